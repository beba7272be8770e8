/**
 * SMB2 OPLOCK_BREAK acknowledgments ([MS-SMB2] §2.2.24.1 oplock, §2.2.24.2 lease; §3.3.5.22.1,
 * §3.3.5.22.2): the client has flushed or closed what the break asked for and names the level
 * or lease state it keeps; the CREATE or NFS change waiting on the break then goes on.
 */
import {
  LEASE_ACK_STRUCTURE_SIZE,
  leaseAckResponseBody,
  OPLOCK_BREAK_STRUCTURE_SIZE,
  oplockBreakBody,
} from "../leases.ts";
import {
  STATUS_INVALID_OPLOCK_PROTOCOL,
  STATUS_OBJECT_NAME_NOT_FOUND,
  STATUS_REQUEST_NOT_ACCEPTED,
} from "../ntstatus.ts";
import { acknowledge, oplockLevel, oplockState, settleBreak } from "../oplocks.ts";
import { type CommandSpec, type Reply, readFileId, type SmbRequest } from "../request.ts";
import { SmbError } from "../status.ts";

/** [MS-ERREF] STATUS_UNSUCCESSFUL: §3.3.5.22.2 for an acknowledgment of a lease not breaking. */
const STATUS_UNSUCCESSFUL = 0xc0000001;

function oplockAck(req: SmbRequest): Reply {
  const r = req.reader();
  const level = r.u8();
  r.skip(5);
  const open = req.open(readFileId(r));
  const h = open.holder;
  if (!h || h.lease) throw new SmbError(STATUS_INVALID_OPLOCK_PROTOCOL, "no oplock");
  const breaking = h.breaking;
  // A break to NONE from LEVEL_II needs no acknowledgment; one sent anyway is a protocol error.
  if (!breaking) throw new SmbError(STATUS_INVALID_OPLOCK_PROTOCOL, "no oplock break in progress");
  const kept = oplockState(level);
  // §3.3.5.22.1: acknowledging a higher level than the break allows is a protocol error; the
  // oplock is gone either way.
  if (kept & ~breaking.to) {
    settleBreak(h, 0);
    throw new SmbError(STATUS_INVALID_OPLOCK_PROTOCOL, "acknowledged above the break level");
  }
  acknowledge(req.server, h, kept);
  return { body: oplockBreakBody(oplockLevel(kept), open.persistentId, open.volatileId) };
}

function leaseAck(req: SmbRequest): Reply {
  const r = req.reader();
  r.skip(6); // Reserved, Flags
  const key = Buffer.from(r.bytes(16));
  const state = r.u32() & 0x7;
  const h = req.server.leases.get(`${req.conn.clientGuid.toString("hex")}:${key.toString("hex")}`);
  if (!h) throw new SmbError(STATUS_OBJECT_NAME_NOT_FOUND, "unknown lease");
  const breaking = h.breaking;
  if (!breaking) throw new SmbError(STATUS_UNSUCCESSFUL, "lease not breaking");
  // The break stays in progress: the client may still acknowledge with an acceptable state.
  if (state & ~breaking.to) throw new SmbError(STATUS_REQUEST_NOT_ACCEPTED, "lease state above the break");
  acknowledge(req.server, h, state);
  return { body: leaseAckResponseBody(key, state) };
}

export const OPLOCK_BREAK: CommandSpec = {
  name: "OPLOCK_BREAK",
  structureSize: OPLOCK_BREAK_STRUCTURE_SIZE,
  otherStructureSizes: [LEASE_ACK_STRUCTURE_SIZE],
  needsSession: true,
  needsTree: true,
  handle: async (req) =>
    req.msg.readUInt16LE(64) === LEASE_ACK_STRUCTURE_SIZE ? leaseAck(req) : oplockAck(req),
};
