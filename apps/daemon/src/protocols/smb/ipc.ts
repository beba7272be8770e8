/**
 * Named pipes on the IPC$ tree ([MS-SMB2] §3.3.5.9 "named pipe", §3.3.5.15.6 FSCTL_PIPE_TRANSCEIVE):
 * CREATE opens a pipe by name, WRITE and READ carry its DCE/RPC messages, IOCTL
 * FSCTL_PIPE_TRANSCEIVE does both at once, CLOSE drops it. The connection dispatches a command on
 * the IPC$ tree through IPC_COMMANDS first; a command not listed there (or an IOCTL that is not a
 * pipe control) runs the ordinary handler. Only `srvsvc` exists (share enumeration).
 */
import { IOCTL } from "./commands/ioctl.ts";
import * as C from "./constants.ts";
import { SMB2_HEADER_SIZE, SMB2_RELATED_FILE_ID } from "./constants.ts";
import { MAX_PATH_BYTES } from "./limits.ts";
import * as S from "./ntstatus.ts";
import { type CommandSpec, type FileIdRef, type Reply, readFileId, type SmbRequest } from "./request.ts";
import { PipeError, RpcPipe } from "./rpc/pipe.ts";
import { type ShareEntry, STYPE_DISKTREE, STYPE_IPC, STYPE_SPECIAL, srvsvc } from "./rpc/srvsvc.ts";
import type { Tree } from "./state.ts";
import { SmbError } from "./status.ts";
import { SmbWriter, slice } from "./wire.ts";

/** [MS-FSCC] §2.3.53 FSCTL_PIPE_TRANSCEIVE. */
export const FSCTL_PIPE_TRANSCEIVE = 0x0011c017;
/** Pipes one IPC$ tree may hold open. */
export const MAX_PIPES_PER_TREE = 64;
/**
 * Pipes one connection may hold open across its sessions and trees: per tree alone, 64 sessions
 * × 256 trees × 64 pipes would be a million, each holding up to MAX_OUTBOX_BYTES.
 */
export const MAX_PIPES_PER_CONNECTION = 64;
/**
 * Bytes one connection's pipes may hold together (unfinished PDUs and calls, unread replies)
 * before a write is refused; a share list for srvsvc is a few KiB.
 */
export const MAX_PIPE_BYTES_PER_CONNECTION = 256 * 1024;
const FILE_ATTRIBUTE_NORMAL = 0x80;
const FILE_OPENED = 1;
/** A pipe reports this allocation size, as Windows and Samba do. */
const PIPE_ALLOCATION_BYTES = 4096n;

/** The shares the session may see (smb enabled, a permission other than none, or guest), and IPC$. */
function visibleShares(req: SmbRequest): ShareEntry[] {
  const session = req.requireSession();
  const ctx = req.server.ctx;
  const out: ShareEntry[] = [];
  for (const share of ctx.shares.list()) {
    if (!share.protocols.smb) continue;
    const allowed = session.principal
      ? ctx.identity.permission(session.principal, share.name) !== "none"
      : share.guest;
    if (allowed) out.push({ name: share.name.replace(/^\/+/, ""), type: STYPE_DISKTREE, remark: "" });
  }
  out.push({ name: "IPC$", type: STYPE_IPC | STYPE_SPECIAL, remark: "IPC Service (DittoFS)" });
  return out;
}

/** Pipe names (lower case, no leading backslash) → the interface served on them. */
const PIPES: Record<string, (req: SmbRequest) => RpcPipe> = {
  srvsvc: (req) =>
    new RpcPipe(
      srvsvc({
        serverName: req.server.config.serverName,
        comment: "DittoFS",
        shares: () => visibleShares(req),
      }),
    ),
};

/** The pipes open on the connection and the bytes they hold (every session's IPC$ trees). */
function connectionPipes(req: SmbRequest): { pipes: number; bytes: number } {
  let pipes = 0;
  let bytes = 0;
  for (const session of req.conn.sessions.values()) {
    for (const tree of session.trees.values()) {
      if (tree.pipes === undefined) continue;
      pipes += tree.pipes.size;
      for (const p of tree.pipes.values()) bytes += p.heldBytes;
    }
  }
  return { pipes, bytes };
}

function pipesOf(tree: Tree): Map<bigint, RpcPipe> {
  tree.pipes ??= new Map();
  return tree.pipes;
}

/**
 * The pipe a FileId names, with its volatile id; in a related command the all-ones FileId is the
 * compound's last one (§3.3.5.2.7.2, as SmbRequest.open).
 */
function pipeOf(req: SmbRequest, id: FileIdRef): { id: bigint; pipe: RpcPipe } {
  let ref: FileIdRef | null = id;
  if (req.related && id.persistent === SMB2_RELATED_FILE_ID && id.volatile === SMB2_RELATED_FILE_ID) {
    ref = req.compound.fileId;
  }
  const pipe =
    ref && ref.persistent === ref.volatile ? pipesOf(req.requireTree()).get(ref.volatile) : undefined;
  if (!ref || !pipe) throw new SmbError(S.STATUS_FILE_CLOSED);
  req.compound.fileId = ref;
  return { id: ref.volatile, pipe };
}

/** CREATE ([MS-SMB2] §2.2.13/§2.2.14): only NameOffset/NameLength matter for a pipe. */
async function pipeCreate(req: SmbRequest): Promise<Reply> {
  const r = req.reader();
  r.skip(42); // SecurityFlags … CreateOptions
  const nameOff = r.u16();
  const nameLen = r.u16();
  const name = slice(req.msg, nameOff, nameLen, MAX_PATH_BYTES).toString("utf16le");
  const make = PIPES[name.replace(/^\\+/, "").toLowerCase()];
  if (!make) throw new SmbError(S.STATUS_OBJECT_NAME_NOT_FOUND, `no pipe ${name}`);
  const pipes = pipesOf(req.requireTree());
  if (pipes.size >= MAX_PIPES_PER_TREE || connectionPipes(req).pipes >= MAX_PIPES_PER_CONNECTION) {
    throw new SmbError(S.STATUS_TOO_MANY_OPENED_FILES);
  }
  const id = req.conn.newVolatileId();
  pipes.set(id, make(req));
  req.compound.fileId = { persistent: id, volatile: id };
  const w = new SmbWriter(96);
  w.u16(89).u8(0).u8(0).u32(FILE_OPENED).zeros(32); // no oplock; four zero times
  w.u64(PIPE_ALLOCATION_BYTES).u64(0n).u32(FILE_ATTRIBUTE_NORMAL).u32(0);
  w.u64(id).u64(id).u32(0).u32(0);
  return { body: w.finish() };
}

/** Data out of the pipe: BUFFER_OVERFLOW (a warning, the data kept) when the message goes on. */
function pipeData(pipe: RpcPipe, max: number): { status: number; data: Buffer } {
  const got = pipe.read(max);
  if (!got) throw new SmbError(S.STATUS_PIPE_EMPTY);
  return { status: got.more ? S.STATUS_BUFFER_OVERFLOW : 0, data: got.data };
}

function feed(req: SmbRequest, pipe: RpcPipe, data: Buffer): void {
  if (connectionPipes(req).bytes + data.length > MAX_PIPE_BYTES_PER_CONNECTION) {
    throw new SmbError(S.STATUS_INSUFFICIENT_RESOURCES, "pipes hold too much");
  }
  try {
    pipe.write(data);
  } catch (e) {
    if (e instanceof PipeError) throw new SmbError(S.STATUS_INVALID_PARAMETER, e.message);
    throw e;
  }
}

/** READ (§2.2.19/§2.2.20). */
async function pipeRead(req: SmbRequest): Promise<Reply> {
  const r = req.reader();
  r.u16(); // Padding, Flags
  const length = r.u32();
  r.u64(); // Offset: meaningless on a pipe
  const { pipe } = pipeOf(req, readFileId(r));
  if (length > req.server.config.maxReadBytes) throw new SmbError(S.STATUS_INVALID_PARAMETER, "Length");
  const { status, data } = pipeData(pipe, length);
  const body = new SmbWriter(16)
    .u16(17)
    .u8(SMB2_HEADER_SIZE + 16)
    .u8(0)
    .u32(data.length)
    .u32(0)
    .u32(0);
  return { status, body: body.finish(), data };
}

/** WRITE (§2.2.21/§2.2.22). */
async function pipeWrite(req: SmbRequest): Promise<Reply> {
  const r = req.reader();
  const dataOffset = r.u16();
  const length = r.u32();
  r.u64(); // Offset
  const { pipe } = pipeOf(req, readFileId(r));
  feed(req, pipe, slice(req.msg, dataOffset, length, req.server.config.maxWriteBytes));
  return { body: new SmbWriter(16).u16(17).u16(0).u32(length).u32(0).u16(0).u16(0).finish() };
}

/** IOCTL (§2.2.31/§2.2.32): FSCTL_PIPE_TRANSCEIVE here, every other control the ordinary way. */
async function pipeIoctl(req: SmbRequest): Promise<Reply> {
  const r = req.reader();
  r.u16();
  const ctlCode = r.u32();
  if (ctlCode !== FSCTL_PIPE_TRANSCEIVE) return IOCTL.handle(req);
  const fileId = readFileId(r);
  const { pipe } = pipeOf(req, fileId);
  const inOff = r.u32();
  const inCount = r.u32();
  r.skip(12); // MaxInputResponse, OutputOffset, OutputCount
  const maxOutput = r.u32();
  feed(req, pipe, slice(req.msg, inOff, inCount, req.server.config.maxTransactBytes));
  const { status, data } = pipeData(pipe, Math.min(maxOutput, req.server.config.maxTransactBytes));
  const outOff = SMB2_HEADER_SIZE + 48;
  const w = new SmbWriter(48).u16(49).u16(0).u32(ctlCode).u64(fileId.persistent).u64(fileId.volatile);
  w.u32(outOff).u32(0).u32(outOff).u32(data.length).u32(0).u32(0);
  return { status, body: w.finish(), data };
}

/** CLOSE (§2.2.15/§2.2.16): no attributes to report for a pipe. */
async function pipeClose(req: SmbRequest): Promise<Reply> {
  const r = req.reader();
  r.u16(); // Flags
  r.u32();
  const { id } = pipeOf(req, readFileId(r));
  pipesOf(req.requireTree()).delete(id);
  return { body: new SmbWriter(60).u16(60).u16(0).u32(0).zeros(52).finish() };
}

function onPipe(name: string, structureSize: number, handle: CommandSpec["handle"]): CommandSpec {
  return { name: `${name} (pipe)`, structureSize, needsSession: true, needsTree: true, handle };
}

/** Commands that act differently on the IPC$ tree (keyed by SMB2 command code, §2.2.1.2). */
export const IPC_COMMANDS: Readonly<Record<number, CommandSpec>> = {
  [C.SMB2_CREATE]: onPipe("CREATE", 57, pipeCreate),
  [C.SMB2_CLOSE]: onPipe("CLOSE", 24, pipeClose),
  [C.SMB2_READ]: onPipe("READ", 49, pipeRead),
  [C.SMB2_WRITE]: onPipe("WRITE", 49, pipeWrite),
  [C.SMB2_IOCTL]: onPipe("IOCTL", 57, pipeIoctl),
};
