import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import * as C from "../constants.ts";
import * as S from "../ntstatus.ts";
import { closeBody, ioctlBody, lockBody, open, readBody, writeFile } from "../testing/bodies.ts";
import { useSmbHarness } from "../testing/fixture.ts";
import type { FileId, SmbResponse, SmbTestClient } from "../testing/smb-client.ts";
import { SmbWriter } from "../wire.ts";
import {
  COPYCHUNK_MAX_CHUNK_BYTES,
  COPYCHUNK_MAX_CHUNKS,
  COPYCHUNK_MAX_TOTAL_BYTES,
} from "./ioctl-copychunk.ts";

const MiB = 1024 * 1024;
const READ_ONLY = C.FILE_READ_DATA | C.FILE_READ_ATTRIBUTES | C.SYNCHRONIZE;
const WRITE_ONLY = C.FILE_WRITE_DATA | C.FILE_READ_ATTRIBUTES | C.SYNCHRONIZE;

interface Chunk {
  source: number;
  target: number;
  length: number;
}

/** §2.2.31.1 SRV_COPYCHUNK_COPY, built field by field. */
function copyInput(key: Buffer, chunks: Chunk[]): Buffer {
  const w = new SmbWriter().bytes(key).u32(chunks.length).u32(0);
  for (const c of chunks) w.u64(BigInt(c.source)).u64(BigInt(c.target)).u32(c.length).u32(0);
  return w.finish();
}

const output = (r: SmbResponse) =>
  r.msg.subarray(r.body.readUInt32LE(32), r.body.readUInt32LE(32) + r.body.readUInt32LE(36));

/** §2.2.32.1 SRV_COPYCHUNK_RESPONSE as [ChunksWritten, ChunkBytesWritten, TotalBytesWritten]. */
const counts = (r: SmbResponse) => {
  const o = output(r);
  return [o.readUInt32LE(0), o.readUInt32LE(4), o.readUInt32LE(8)];
};

async function resumeKey(c: SmbTestClient, f: FileId): Promise<Buffer> {
  const r = await c.send(C.SMB2_IOCTL, ioctlBody(C.FSCTL_SRV_REQUEST_RESUME_KEY, Buffer.alloc(0), 32, f));
  expect(r.status).toBe(0);
  return output(r).subarray(0, 24);
}

const copy = (c: SmbTestClient, dst: FileId, input: Buffer, ctl = C.FSCTL_SRV_COPYCHUNK_WRITE) =>
  c.send(C.SMB2_IOCTL, ioctlBody(ctl, input, 12, dst));

async function readAll(c: SmbTestClient, f: FileId, size: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let at = 0; at < size; at += MiB) {
    const r = await c.send(C.SMB2_READ, readBody(f, BigInt(at), Math.min(MiB, size - at)));
    parts.push(r.msg.subarray(r.body.readUInt8(2), r.body.readUInt8(2) + r.body.readUInt32LE(4)));
  }
  return Buffer.concat(parts);
}

describe("server-side copy (FSCTL_SRV_COPYCHUNK)", () => {
  const fx = useSmbHarness();

  it("copies chunks between two opens without the data crossing the client's socket", async () => {
    const c = await fx.login();
    const data = randomBytes(3 * MiB + 12345);
    await writeFile(c, "cc-src.bin", data);
    const src = await open(c, "cc-src.bin", { access: READ_ONLY });
    const dst = await open(c, "cc-dst.bin", { disposition: C.FILE_OVERWRITE_IF });
    const key = await resumeKey(c, src);
    const chunks: Chunk[] = [];
    for (let at = 0; at < data.length; at += MiB) {
      chunks.push({ source: at, target: at, length: Math.min(MiB, data.length - at) });
    }
    const before = c.socketBytes;
    const r = await copy(c, dst, copyInput(key, chunks), C.FSCTL_SRV_COPYCHUNK);
    const after = c.socketBytes;
    expect(r.status).toBe(0);
    expect(counts(r)).toEqual([chunks.length, 0, data.length]);
    // One request and one response of a few hundred bytes for 3 MiB copied.
    expect(after.sent - before.sent).toBeLessThan(1024);
    expect(after.received - before.received).toBeLessThan(1024);
    expect((await readAll(c, dst, data.length)).equals(data)).toBe(true);
  });

  it("over a limit answers INVALID_PARAMETER carrying the limits (§3.3.5.15.6)", async () => {
    const c = await fx.login();
    await writeFile(c, "cc-lim.bin", Buffer.alloc(4096, 1));
    const src = await open(c, "cc-lim.bin");
    const dst = await open(c, "cc-lim-dst.bin");
    const key = await resumeKey(c, src);
    const limits = [COPYCHUNK_MAX_CHUNKS, COPYCHUNK_MAX_CHUNK_BYTES, COPYCHUNK_MAX_TOTAL_BYTES];
    const tooMany = Array.from({ length: COPYCHUNK_MAX_CHUNKS + 1 }, () => ({
      source: 0,
      target: 0,
      length: 1,
    }));
    const tooLong = [{ source: 0, target: 0, length: COPYCHUNK_MAX_CHUNK_BYTES + 1 }];
    const empty = [{ source: 0, target: 0, length: 0 }];
    const tooMuch = Array.from({ length: 17 }, () => ({ source: 0, target: 0, length: MiB }));
    for (const chunks of [tooMany, tooLong, empty, tooMuch]) {
      const r = await copy(c, dst, copyInput(key, chunks));
      expect(r.status).toBe(S.STATUS_INVALID_PARAMETER);
      expect(counts(r)).toEqual(limits);
    }
    const small = await c.send(
      C.SMB2_IOCTL,
      ioctlBody(
        C.FSCTL_SRV_COPYCHUNK_WRITE,
        copyInput(
          key,
          empty.map((x) => ({ ...x, length: 1 })),
        ),
        11,
        dst,
      ),
    );
    expect(small.status).toBe(S.STATUS_INVALID_PARAMETER);
  });

  it("checks the key, both opens' access, the source's end and other opens' locks", async () => {
    const c = await fx.login();
    await writeFile(c, "cc-chk.bin", Buffer.alloc(4096, 7));
    const src = await open(c, "cc-chk.bin");
    const key = await resumeKey(c, src);
    const one = [{ source: 0, target: 0, length: 4096 }];
    const writeOnly = await open(c, "cc-chk-dst.bin", { access: WRITE_ONLY });
    const bad = await copy(c, writeOnly, copyInput(randomBytes(24), one));
    expect([bad.status, ...counts(bad)]).toEqual([S.STATUS_OBJECT_NAME_NOT_FOUND, 0, 0, 0]);
    // FSCTL_SRV_COPYCHUNK needs read access on the destination, _WRITE does not.
    expect((await copy(c, writeOnly, copyInput(key, one), C.FSCTL_SRV_COPYCHUNK)).status).toBe(
      S.STATUS_ACCESS_DENIED,
    );
    expect((await copy(c, writeOnly, copyInput(key, one))).status).toBe(0);
    const readOnly = await open(c, "cc-chk-dst.bin", { access: READ_ONLY });
    expect((await copy(c, readOnly, copyInput(key, one))).status).toBe(S.STATUS_ACCESS_DENIED);
    const noRead = await open(c, "cc-chk.bin", { access: WRITE_ONLY });
    const noReadKey = await resumeKey(c, noRead);
    expect((await copy(c, writeOnly, copyInput(noReadKey, one))).status).toBe(S.STATUS_ACCESS_DENIED);
    const past = await copy(
      c,
      writeOnly,
      copyInput(key, [one[0]!, { source: 1024, target: 0, length: 4096 }]),
    );
    expect([past.status, ...counts(past)]).toEqual([S.STATUS_INVALID_VIEW_SIZE, 1, 0, 4096]);
    // Another open's exclusive lock on the source range: FILE_LOCK_CONFLICT, nothing written.
    const other = await open(c, "cc-chk.bin");
    const X = C.SMB2_LOCKFLAG_EXCLUSIVE_LOCK | C.SMB2_LOCKFLAG_FAIL_IMMEDIATELY;
    expect(
      (await c.send(C.SMB2_LOCK, lockBody(other, [{ offset: 0n, length: 4096n, flags: X }]))).status,
    ).toBe(0);
    const locked = await copy(c, writeOnly, copyInput(key, one));
    expect([locked.status, ...counts(locked)]).toEqual([S.STATUS_FILE_LOCK_CONFLICT, 0, 0, 0]);
    // A closed source's key names nothing any more.
    await c.send(C.SMB2_CLOSE, closeBody(src));
    expect((await copy(c, writeOnly, copyInput(key, one))).status).toBe(S.STATUS_OBJECT_NAME_NOT_FOUND);
  });
});
