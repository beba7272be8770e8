/** Shares: a name mapped to one metadata store and one block store, with export options. */
import { type AnonymousAccess, DEFAULT_NFS_CLIENTS, type NfsClientRule } from "@dittofs/shared";
import { asc, eq } from "drizzle-orm";
import { conflict, notFound } from "../errors.ts";
import { type Ctx, NOBODY_ID } from "./ctx.ts";
import { getStore } from "./stores.ts";
import type { ShareRecord, SquashMode } from "./types.ts";

export interface NewShare {
  name: string;
  metadataStore: string;
  blockStore: string;
  readOnly?: boolean | undefined;
  squash?: SquashMode | undefined;
  anonUid?: number | undefined;
  anonGid?: number | undefined;
  nfs?: boolean | undefined;
  smb?: boolean | undefined;
  guest?: boolean | undefined;
  encryptData?: boolean | undefined;
  nfsClients?: NfsClientRule[] | undefined;
  anonymousAccess?: AnonymousAccess | undefined;
}

export type SharePatch = Partial<Omit<NewShare, "name">>;

function selectShares({ q, t }: Ctx) {
  return q
    .select({
      id: t.shares.id,
      name: t.shares.name,
      metadataStore: t.metadataStores.name,
      blockStore: t.blockStores.name,
      readOnly: t.shares.readOnly,
      squash: t.shares.squash,
      anonUid: t.shares.anonUid,
      anonGid: t.shares.anonGid,
      nfs: t.shares.nfs,
      smb: t.shares.smb,
      guest: t.shares.guest,
      encryptData: t.shares.encryptData,
      nfsClients: t.shares.nfsClients,
      anonymousAccess: t.shares.anonymousAccess,
      createdAt: t.shares.createdAt,
      updatedAt: t.shares.updatedAt,
    })
    .from(t.shares)
    .innerJoin(t.metadataStores, eq(t.metadataStores.id, t.shares.metadataStoreId))
    .innerJoin(t.blockStores, eq(t.blockStores.id, t.shares.blockStoreId));
}

export async function listShares(c: Ctx): Promise<ShareRecord[]> {
  return selectShares(c).orderBy(asc(c.t.shares.name));
}

export async function findShare(c: Ctx, name: string): Promise<ShareRecord | undefined> {
  const [row] = await selectShares(c).where(eq(c.t.shares.name, name));
  return row;
}

export async function getShare(c: Ctx, name: string): Promise<ShareRecord> {
  const row = await findShare(c, name);
  if (row === undefined) throw notFound("share", name);
  return row;
}

export async function createShare(c: Ctx, s: NewShare): Promise<ShareRecord> {
  if ((await findShare(c, s.name)) !== undefined) throw conflict("name", s.name);
  const meta = await getStore(c, "metadata", s.metadataStore, "metadataStore");
  const block = await getStore(c, "block", s.blockStore, "blockStore");
  const now = new Date();
  await c.q.insert(c.t.shares).values({
    name: s.name,
    metadataStoreId: meta.id,
    blockStoreId: block.id,
    readOnly: s.readOnly ?? false,
    squash: s.squash ?? "root_squash",
    anonUid: s.anonUid ?? NOBODY_ID,
    anonGid: s.anonGid ?? NOBODY_ID,
    nfs: s.nfs ?? true,
    smb: s.smb ?? true,
    guest: s.guest ?? false,
    encryptData: s.encryptData ?? false,
    nfsClients: s.nfsClients ?? [...DEFAULT_NFS_CLIENTS],
    anonymousAccess: s.anonymousAccess ?? "read-write",
    createdAt: now,
    updatedAt: now,
  });
  return getShare(c, s.name);
}

export async function updateShare(c: Ctx, name: string, patch: SharePatch): Promise<ShareRecord> {
  const row = await getShare(c, name);
  const { metadataStore, blockStore, ...rest } = patch;
  const set: Record<string, unknown> = Object.fromEntries(
    Object.entries(rest).filter(([, v]) => v !== undefined),
  );
  if (metadataStore !== undefined) {
    set.metadataStoreId = (await getStore(c, "metadata", metadataStore, "metadataStore")).id;
  }
  if (blockStore !== undefined) set.blockStoreId = (await getStore(c, "block", blockStore, "blockStore")).id;
  await c.q
    .update(c.t.shares)
    .set({ ...set, updatedAt: new Date() })
    .where(eq(c.t.shares.id, row.id));
  return getShare(c, name);
}

export async function deleteShare(c: Ctx, name: string): Promise<void> {
  const row = await getShare(c, name);
  await c.q.delete(c.t.shares).where(eq(c.t.shares.id, row.id));
}
