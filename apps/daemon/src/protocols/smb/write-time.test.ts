import { beforeEach, describe, expect, it } from "vitest";
import { toFiletime } from "./attrs.ts";
import * as C from "./constants.ts";
import { closeBody, flushBody, open, queryInfoBody, setInfoBody, writeBody } from "./testing/bodies.ts";
import { useSmbHarness } from "./testing/fixture.ts";
import type { FileId, SmbTestClient } from "./testing/smb-client.ts";
import { SmbWriter } from "./wire.ts";

const ROOT_CALLER = { uid: 0, gid: 0, gids: [] };
const FREEZE = 0xffffffffffffffffn;
const THAW = 0xfffffffffffffffen;

describe("LastWriteTime after a write (delayed update, [MS-FSA] §2.1.5.14.2 user-set times)", () => {
  // The delayed update never fires during a test: what is checked here is what applies it sooner.
  const smb = useSmbHarness({ settings: { writeTimeUpdateDelayMs: 3_600_000 } });
  let c: SmbTestClient;
  beforeEach(async () => {
    c = await smb.login();
  });

  const reportedWriteTime = async (f: FileId) => {
    const r = await c.send(C.SMB2_QUERY_INFO, queryInfoBody(f, C.SMB2_0_INFO_FILE, C.FileBasicInformation));
    return r.msg.readBigUInt64LE(r.body.readUInt16LE(2) + 16);
  };
  const storedWriteTime = async (name: string) => {
    const root = smb.h.metadata.rootHandle("/export");
    return toFiletime((await smb.h.metadata.lookup(ROOT_CALLER, root, name)).attr.mtime);
  };
  const write = async (f: FileId) =>
    expect((await c.send(C.SMB2_WRITE, writeBody(f, 0n, Buffer.from("s")))).status).toBe(0);
  const basic = (mtime: bigint) => new SmbWriter().u64(0n).u64(0n).u64(mtime).u64(0n).u32(0).u32(0).finish();
  const setBasic = async (f: FileId, mtime: bigint) =>
    expect(
      (
        await c.send(
          C.SMB2_SET_INFO,
          setInfoBody(f, C.SMB2_0_INFO_FILE, C.FileBasicInformation, basic(mtime)),
        )
      ).status,
    ).toBe(0);

  it("a write keeps the reported time until FLUSH; a later write until CLOSE; NFS sees each write", async () => {
    const f = await open(c, "d.txt", { disposition: C.FILE_CREATE });
    const created = await reportedWriteTime(f);
    await write(f);
    expect(await reportedWriteTime(f)).toBe(created);
    expect(await storedWriteTime("d.txt")).toBeGreaterThan(created);
    expect((await c.send(C.SMB2_FLUSH, flushBody(f))).status).toBe(0);
    const flushed = await reportedWriteTime(f);
    expect(flushed).toBeGreaterThan(created);
    await write(f);
    expect(await reportedWriteTime(f)).toBe(flushed);
    const closed = await c.send(C.SMB2_CLOSE, closeBody(f, C.SMB2_CLOSE_FLAG_POSTQUERY_ATTRIB));
    const closeTime = closed.body.readBigUInt64LE(24);
    expect(closeTime).toBeGreaterThan(flushed);
    expect(await storedWriteTime("d.txt")).toBe(closeTime);
  });

  it("a close before the update is due keeps the last write's time (no extra metadata change)", async () => {
    const f = await open(c, "quick.txt", { disposition: C.FILE_CREATE });
    await write(f);
    const written = await storedWriteTime("quick.txt");
    const closed = await c.send(C.SMB2_CLOSE, closeBody(f, C.SMB2_CLOSE_FLAG_POSTQUERY_ATTRIB));
    expect(closed.body.readBigUInt64LE(24)).toBe(written);
    expect(await storedWriteTime("quick.txt")).toBe(written);
  });

  it("an end-of-file or an all-zero basic SET_INFO applies the pending update", async () => {
    for (const cls of [C.FileEndOfFileInformation, C.FileBasicInformation]) {
      const f = await open(c, `s${cls}.txt`, { disposition: C.FILE_CREATE });
      const created = await reportedWriteTime(f);
      await write(f);
      expect(await reportedWriteTime(f)).toBe(created);
      const body = cls === C.FileBasicInformation ? basic(0n) : new SmbWriter().u64(1n).finish();
      expect((await c.send(C.SMB2_SET_INFO, setInfoBody(f, C.SMB2_0_INFO_FILE, cls, body))).status).toBe(0);
      expect(await reportedWriteTime(f)).toBeGreaterThan(created);
      await c.send(C.SMB2_CLOSE, closeBody(f));
    }
  });

  it("a time set or frozen through an open stays through its writes and its close; thaw ends that", async () => {
    const set = toFiletime({ sec: 1_000_000_000, nsec: 0 });
    await open(c, "u.txt", { disposition: C.FILE_CREATE }).then((f) => c.send(C.SMB2_CLOSE, closeBody(f)));
    // Each open sets these mtime values through SET_INFO, writes, reports, closes.
    const cases: [bigint[], (stored: bigint) => void][] = [
      [[set], (stored) => expect(stored).toBe(set)],
      [[FREEZE], (stored) => expect(stored).toBe(set)],
      [[FREEZE, THAW], (stored) => expect(stored).toBeGreaterThan(set)],
    ];
    for (const [values, check] of cases) {
      const f = await open(c, "u.txt");
      for (const v of values) await setBasic(f, v);
      await write(f);
      if (values.at(-1) !== THAW) expect(await reportedWriteTime(f)).toBe(set);
      await c.send(C.SMB2_CLOSE, closeBody(f));
      check(await storedWriteTime("u.txt"));
    }
  });
});
