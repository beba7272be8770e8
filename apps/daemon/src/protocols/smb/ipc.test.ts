import { describe, expect, it } from "vitest";
import * as C from "./constants.ts";
import {
  FSCTL_PIPE_TRANSCEIVE,
  MAX_PIPE_BYTES_PER_CONNECTION,
  MAX_PIPES_PER_CONNECTION,
  MAX_PIPES_PER_TREE,
} from "./ipc.ts";
import {
  STATUS_BUFFER_OVERFLOW,
  STATUS_FILE_CLOSED,
  STATUS_INSUFFICIENT_RESOURCES,
  STATUS_OBJECT_NAME_NOT_FOUND,
  STATUS_PIPE_EMPTY,
  STATUS_TOO_MANY_OPENED_FILES,
} from "./ntstatus.ts";
import * as R from "./rpc/dcerpc.ts";
import { SRVSVC_SYNTAX } from "./rpc/srvsvc.ts";
import { bindPdu } from "./rpc/testing.ts";
import { createBody, fileIdOf, ioctlBody, readBody, writeBody } from "./testing/bodies.ts";
import { useSmbHarness } from "./testing/fixture.ts";
import { SmbWriter } from "./wire.ts";

const BIND = bindPdu(1, [{ id: 0, abstract: SRVSVC_SYNTAX, transfers: [R.NDR_SYNTAX] }]);
const closeBody = (f: { persistent: bigint; volatile: bigint }) =>
  new SmbWriter().u16(24).u16(0).u32(0).u64(f.persistent).u64(f.volatile).finish();

describe("named pipes on IPC$", () => {
  const smb = useSmbHarness();

  it("opens srvsvc, binds over WRITE/READ and TRANSCEIVE, and closes", async () => {
    const c = await smb.login();
    expect((await c.treeConnect("IPC$")).status).toBe(0);
    expect((await c.send(C.SMB2_CREATE, createBody("nosuchpipe"))).status).toBe(STATUS_OBJECT_NAME_NOT_FOUND);
    const open = await c.send(C.SMB2_CREATE, createBody("srvsvc"));
    expect(open.status).toBe(0);
    const f = fileIdOf(open);
    expect((await c.send(C.SMB2_READ, readBody(f, 0n, 100))).status).toBe(STATUS_PIPE_EMPTY);
    expect((await c.send(C.SMB2_WRITE, writeBody(f, 0n, BIND))).status).toBe(0);
    // A read shorter than the BIND_ACK gets its start with BUFFER_OVERFLOW, then the rest.
    const part = await c.send(C.SMB2_READ, readBody(f, 0n, 10));
    expect(part.status).toBe(STATUS_BUFFER_OVERFLOW);
    const rest = await c.send(C.SMB2_READ, readBody(f, 0n, 4280));
    expect(rest.status).toBe(0);
    const ack = Buffer.concat([
      part.msg.subarray(80, 90),
      rest.msg.subarray(80, 80 + rest.body.readUInt32LE(4)),
    ]);
    expect(R.decodeHeader(ack)).toMatchObject({ ptype: R.PTYPE.BIND_ACK, fragLength: ack.length });
    const t = await c.send(C.SMB2_IOCTL, ioctlBody(FSCTL_PIPE_TRANSCEIVE, BIND, 4280, f));
    expect(t.status).toBe(0);
    const out = t.msg.subarray(t.body.readUInt32LE(32), t.body.readUInt32LE(32) + t.body.readUInt32LE(36));
    expect(R.decodeHeader(out)?.ptype).toBe(R.PTYPE.BIND_ACK);
    expect((await c.send(C.SMB2_CLOSE, closeBody(f))).status).toBe(0);
    expect((await c.send(C.SMB2_WRITE, writeBody(f, 0n, BIND))).status).toBe(STATUS_FILE_CLOSED);
  });

  it("keeps VALIDATE_NEGOTIATE-style controls on IPC$ working and bounds open pipes", async () => {
    const c = await smb.login();
    await c.treeConnect("IPC$");
    const other = await c.send(
      C.SMB2_IOCTL,
      ioctlBody(C.FSCTL_QUERY_NETWORK_INTERFACE_INFO, Buffer.alloc(0)),
    );
    expect(other.status).toBe(0);
    for (let i = 0; i < MAX_PIPES_PER_TREE; i++) {
      expect((await c.send(C.SMB2_CREATE, createBody("srvsvc"))).status).toBe(0);
    }
    expect((await c.send(C.SMB2_CREATE, createBody("srvsvc"))).status).toBe(STATUS_TOO_MANY_OPENED_FILES);
  });

  it("bounds pipes and the bytes they hold per connection, across its trees (issue 17)", async () => {
    const c = await smb.login();
    // Two IPC$ trees: the per-tree cap alone would let each hold MAX_PIPES_PER_TREE.
    await c.treeConnect("IPC$");
    expect((await c.send(C.SMB2_CREATE, createBody("srvsvc"))).status).toBe(0);
    await c.treeConnect("IPC$");
    const files = [];
    for (let i = 1; i < MAX_PIPES_PER_CONNECTION; i++) {
      const open = await c.send(C.SMB2_CREATE, createBody("srvsvc"));
      expect(open.status).toBe(0);
      files.push(fileIdOf(open));
    }
    expect(MAX_PIPES_PER_CONNECTION).toBeLessThan(2 * MAX_PIPES_PER_TREE);
    expect((await c.send(C.SMB2_CREATE, createBody("srvsvc"))).status).toBe(STATUS_TOO_MANY_OPENED_FILES);
    // Unfinished PDUs (a header declaring 65,535 bytes, then 60,000 of them) in pipe after pipe:
    // refused once the connection's pipes would hold more than MAX_PIPE_BYTES_PER_CONNECTION.
    const partial = Buffer.concat([BIND.subarray(0, 16), Buffer.alloc(60_000)]);
    partial.writeUInt16LE(0xffff, 8); // frag_length
    const fits = Math.floor(MAX_PIPE_BYTES_PER_CONNECTION / partial.length);
    for (const f of files.slice(0, fits)) {
      expect((await c.send(C.SMB2_WRITE, writeBody(f, 0n, partial))).status).toBe(0);
    }
    const over = await c.send(C.SMB2_WRITE, writeBody(files[fits]!, 0n, partial));
    expect(over.status).toBe(STATUS_INSUFFICIENT_RESOURCES);
  });
});
