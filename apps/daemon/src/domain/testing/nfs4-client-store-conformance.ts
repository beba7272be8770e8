/**
 * The contract of an Nfs4ClientStore (domain/nfs4-clients.ts), run against every backend: the
 * memory store here, the control-plane store on SQLite and on PostgreSQL.
 */
import { describe, expect, it } from "vitest";
import { NFS4_CLIENT_OWNER_BYTES_MAX, type Nfs4ClientRecord, type Nfs4ClientStore } from "../nfs4-clients.ts";

let next = 0;

/** A record with a fresh owner (backends under test may keep records of earlier tests). */
export function clientRecord(over: Partial<Nfs4ClientRecord> = {}): Nfs4ClientRecord {
  next++;
  return {
    owner: Buffer.from(`Linux NFSv4.1 guest-${next}-${process.pid}`),
    clientId: (0xdf5n << 32n) | BigInt(next),
    verifier: Buffer.from([1, 2, 3, 4, 5, 6, 7, next & 0xff]),
    principal: "unix:0",
    minorVersion: 1,
    confirmed: false,
    reclaimComplete: false,
    ...over,
  };
}

const mine = async (s: Nfs4ClientStore, r: Nfs4ClientRecord) =>
  (await s.list()).find((x) => x.owner.equals(r.owner));

/**
 * `open` gives a store over persistent storage: calling it again (after `close`) must see what
 * the first one wrote, as a restarted daemon does. `reopen` false: nothing outlives the store.
 */
export function describeNfs4ClientStore(
  name: string,
  open: () => Promise<Nfs4ClientStore>,
  opts: { reopen: boolean; close?: (s: Nfs4ClientStore) => Promise<void> },
): void {
  describe(`Nfs4ClientStore: ${name}`, () => {
    it("keeps a record with every field, and replaces it by owner", async () => {
      const s = await open();
      const r = clientRecord({ clientId: 0xffff_ffff_ffff_fffen, principal: "unix:1000" });
      await s.put(r);
      expect(await mine(s, r)).toEqual(r);
      const confirmed = {
        ...r,
        clientId: 7n,
        verifier: Buffer.alloc(8, 9),
        confirmed: true,
        reclaimComplete: true,
      };
      await s.put(confirmed);
      expect(await mine(s, r)).toEqual(confirmed);
      expect((await s.list()).filter((x) => x.owner.equals(r.owner))).toHaveLength(1);
      await opts.close?.(s);
    });

    it("keeps owners that differ only in bytes apart, and removes one", async () => {
      const s = await open();
      const a = clientRecord({ owner: Buffer.from([0x00, 0xff, next++]) });
      const b = clientRecord({ owner: Buffer.from([0x00, 0xfe, next++]), minorVersion: 0 });
      await s.put(a);
      await s.put(b);
      await s.remove(a.owner);
      await s.remove(Buffer.from("never stored"));
      expect(await mine(s, a)).toBeUndefined();
      expect(await mine(s, b)).toEqual(b);
      await opts.close?.(s);
    });

    it("does not share the caller's buffers", async () => {
      const s = await open();
      const r = clientRecord();
      const owner = Buffer.from(r.owner);
      await s.put(r);
      r.verifier.fill(0);
      const got = await mine(s, { ...r, owner });
      expect(got?.verifier.equals(Buffer.alloc(8))).toBe(false);
      await opts.close?.(s);
    });

    it("refuses malformed records with EINVAL", async () => {
      const s = await open();
      const bad: Array<Partial<Nfs4ClientRecord>> = [
        { owner: Buffer.alloc(0) },
        { owner: Buffer.alloc(NFS4_CLIENT_OWNER_BYTES_MAX + 1, 1) },
        { verifier: Buffer.alloc(7) },
        { clientId: 1n << 64n },
        { minorVersion: 3 },
      ];
      for (const over of bad) {
        await expect(s.put(clientRecord(over))).rejects.toMatchObject({ code: "EINVAL" });
      }
      await opts.close?.(s);
    });

    if (opts.reopen) {
      it("keeps records across a reopen (a daemon restart)", async () => {
        const s = await open();
        const r = clientRecord({ confirmed: true });
        const gone = clientRecord({ confirmed: true });
        await s.put(r);
        await s.put(gone);
        await s.remove(gone.owner);
        await opts.close?.(s);
        const again = await open();
        expect(await mine(again, r)).toEqual(r);
        expect(await mine(again, gone)).toBeUndefined();
        await opts.close?.(again);
      });
    }
  });
}
