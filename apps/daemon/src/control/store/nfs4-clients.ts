/**
 * NFSv4 client records of one daemon (domain/nfs4-clients.ts) in the control-plane database, so a
 * restarted daemon knows which clients may reclaim in its grace period. Scoped by the daemon id
 * (runtime/daemon-identity.ts): daemons sharing one PostgreSQL database keep their own.
 */
import { and, count, eq } from "drizzle-orm";
import { checkNfs4ClientRecord, type Nfs4ClientRecord } from "../../domain/nfs4-clients.ts";
import type { Ctx } from "./ctx.ts";

export async function listNfs4Clients({ q, t }: Ctx, daemon: string): Promise<Nfs4ClientRecord[]> {
  const rows = await q.select().from(t.nfs4Clients).where(eq(t.nfs4Clients.daemon, daemon));
  return rows.map((r) => ({
    owner: Buffer.from(r.owner, "hex"),
    clientId: BigInt(r.clientId),
    verifier: Buffer.from(r.verifier, "hex"),
    principal: r.principal,
    minorVersion: r.minorVersion,
    confirmed: r.confirmed,
    reclaimComplete: r.reclaimComplete,
  }));
}

export async function putNfs4Client({ q, t }: Ctx, daemon: string, r: Nfs4ClientRecord): Promise<void> {
  const owner = r.owner.toString("hex");
  const mine = eq(t.nfs4Clients.daemon, daemon);
  const [held] = await q.select({ n: count() }).from(t.nfs4Clients).where(mine);
  const [existing] = await q
    .select({ owner: t.nfs4Clients.owner })
    .from(t.nfs4Clients)
    .where(and(mine, eq(t.nfs4Clients.owner, owner)));
  checkNfs4ClientRecord(r, held?.n ?? 0, existing !== undefined);
  const fields = {
    clientId: r.clientId.toString(),
    verifier: r.verifier.toString("hex"),
    principal: r.principal,
    minorVersion: r.minorVersion,
    confirmed: r.confirmed,
    reclaimComplete: r.reclaimComplete,
    updatedAt: new Date(),
  };
  await q
    .insert(t.nfs4Clients)
    .values({ daemon, owner, ...fields })
    .onConflictDoUpdate({ target: [t.nfs4Clients.daemon, t.nfs4Clients.owner], set: fields });
}

export async function removeNfs4Client({ q, t }: Ctx, daemon: string, owner: Buffer): Promise<void> {
  await q
    .delete(t.nfs4Clients)
    .where(and(eq(t.nfs4Clients.daemon, daemon), eq(t.nfs4Clients.owner, owner.toString("hex"))));
}
