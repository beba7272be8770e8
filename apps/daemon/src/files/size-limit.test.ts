/**
 * The one file-size maximum, checked before anything changes (issue 13): an NFS SETATTR size or
 * an SMB WRITE past it is refused with the file, its size and other clients' caching untouched.
 * Both adapters run over one file service, as in the daemon.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FILE_SIZE_MAX } from "../domain/limits.ts";
import type { ProtocolAdapter } from "../protocols/adapter.ts";
import { createNfsAdapter } from "../protocols/nfs/adapter.ts";
import { wcc } from "../protocols/nfs/testing/decode.ts";
import { failed, NfsClient, ok } from "../protocols/nfs/testing/nfs-client.ts";
import { NFS3ERR_FBIG } from "../protocols/nfs/v3/constants.ts";
import { MAX_FILE_BYTES } from "../protocols/smb/commands/write.ts";
import * as C from "../protocols/smb/constants.ts";
import { SMB2_LEASE_READ_CACHING as R } from "../protocols/smb/leases.ts";
import * as S from "../protocols/smb/ntstatus.ts";
import {
  closeBody,
  createBody,
  fileIdOf,
  leaseContext,
  leaseOf,
  queryInfoBody,
  writeBody,
} from "../protocols/smb/testing/bodies.ts";
import { useSmbHarness } from "../protocols/smb/testing/fixture.ts";
import type { SmbTestClient } from "../protocols/smb/testing/smb-client.ts";

/** FileStandardInformation EndOfFile ([MS-FSCC] §2.4.41), after the 8-byte QUERY_INFO header. */
async function smbSize(c: SmbTestClient, f: ReturnType<typeof fileIdOf>): Promise<bigint> {
  const r = await c.send(C.SMB2_QUERY_INFO, queryInfoBody(f, C.SMB2_0_INFO_FILE, C.FileStandardInformation));
  expect(r.status).toBe(0);
  return r.body.readBigUInt64LE(8 + 8);
}

/** Opens `name` with a read-caching (R) lease and writes `content` through it. */
async function cachedFile(c: SmbTestClient, name: string, content: Buffer) {
  const r = await c.send(
    C.SMB2_CREATE,
    createBody(name, {
      disposition: C.FILE_OVERWRITE_IF,
      oplock: 0xff,
      contexts: leaseContext(randomBytes(16), R, true),
    }),
  );
  expect(r.status).toBe(0);
  expect(leaseOf(r)?.state).toBe(R);
  const f = fileIdOf(r);
  expect((await c.send(C.SMB2_WRITE, writeBody(f, 0n, content))).status).toBe(0);
  return f;
}

describe("the file-size maximum is checked before anything changes", () => {
  const fx = useSmbHarness();
  let nfs: ProtocolAdapter;
  let client: NfsClient;
  let root: Buffer;
  beforeAll(async () => {
    nfs = createNfsAdapter({ host: "127.0.0.1", port: 0 }, fx.h.ctx);
    await nfs.serve();
    client = await NfsClient.connect(nfs.port);
    const m = await client.mount("/export");
    if (m.fh === null) throw new Error(`mount failed: ${m.status}`);
    root = m.fh;
  });
  afterAll(async () => {
    client?.close();
    await nfs?.stop();
  });

  it("NFS FSINFO advertises the limit; SETATTR past it is FBIG and changes nothing (SMB sees the old size, no break)", async () => {
    const a = await fx.login();
    const f = await cachedFile(a, "nfs-big.txt", Buffer.from("hello"));
    const fh = ok(await client.lookup(root, "nfs-big.txt")).fh;
    const before = ok(await client.getattr(fh)).attr;
    const r = failed(await client.setattr(fh, { size: FILE_SIZE_MAX + 1 }));
    expect(r.status).toBe(NFS3ERR_FBIG);
    expect(wcc(r.fail).after?.size).toBe(5n);
    expect(ok(await client.getattr(fh)).attr).toEqual(before);
    // The SMB client's read lease was not broken for a change that never happened.
    expect(await smbSize(a, f)).toBe(5n);
    expect(a.breaks).toEqual([]);
    await a.send(C.SMB2_CLOSE, closeBody(f));
    expect(ok(await client.fsinfo(root)).maxfilesize).toBe(BigInt(FILE_SIZE_MAX));
  });

  it("SMB WRITE past the maximum is refused before other opens' read caching is broken", async () => {
    const a = await fx.login();
    const fa = await cachedFile(a, "smb-big.txt", Buffer.from("hello"));
    const b = await fx.login();
    const fb = fileIdOf(await b.send(C.SMB2_CREATE, createBody("smb-big.txt")));
    const w = await b.send(C.SMB2_WRITE, writeBody(fb, MAX_FILE_BYTES, Buffer.from("x")));
    expect(w.status).toBe(S.STATUS_INVALID_PARAMETER);
    expect(await smbSize(a, fa)).toBe(5n);
    expect(a.breaks).toEqual([]);
    // A write that lands does break it ([MS-FSA] §2.1.5.3).
    expect((await b.send(C.SMB2_WRITE, writeBody(fb, 5n, Buffer.from("!")))).status).toBe(0);
    expect((await a.nextBreak()).body.readUInt32LE(24)).toBe(R);
    await b.send(C.SMB2_CLOSE, closeBody(fb));
    await a.send(C.SMB2_CLOSE, closeBody(fa));
  });
});
