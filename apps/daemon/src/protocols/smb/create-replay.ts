/**
 * CREATE replay detection for DH2Q opens ([MS-SMB2] §3.3.5.9.10, as Samba's replay cache): a
 * client that lost its connection before the CREATE response resends the request with
 * SMB2_FLAGS_REPLAY_OPERATION and the same CreateGuid, and gets the open the first one made
 * (the same response), not a second open; a replay of a CREATE still in progress gets
 * STATUS_FILE_NOT_AVAILABLE, and the same CreateGuid without the replay flag
 * STATUS_DUPLICATE_OBJECTID while its open lives.
 */
import { type CreateContext, type CreateResponse, createResponseBody } from "./create-contexts.ts";
import { adopt, checkTakeover } from "./durable.ts";
import { parseLeaseRequest, SMB2_OPLOCK_LEVEL_BATCH } from "./leases.ts";
import { STATUS_ACCESS_DENIED } from "./ntstatus.ts";
import type { Reply, SmbRequest } from "./request.ts";
import { isDisconnected, type Open, type ReplayEntry } from "./state.ts";
import { SmbError } from "./status.ts";

/** §2.2.1.2 SMB2_FLAGS_REPLAY_OPERATION. */
const SMB2_FLAGS_REPLAY_OPERATION = 0x20000000;
const STATUS_DUPLICATE_OBJECTID = 0xc000022a;
const STATUS_FILE_NOT_AVAILABLE = 0xc0000467;

/**
 * The first CREATE's response for a replay asking for oplock `level`: as Samba answers it, an
 * oplock open reports the level the replay asks for (and DH2Q only with a batch one), a lease
 * open its lease's current state.
 */
function answer(first: CreateResponse, open: Open, level: number): Buffer {
  const head = Buffer.from(first.head);
  let contexts = first.contexts;
  const h = open.holder;
  if (h?.lease) {
    contexts = contexts.map((c) => {
      if (c.name !== "RqLs") return c;
      const data = Buffer.from(c.data);
      data.writeUInt32LE(h.state, 16);
      return { name: c.name, data };
    });
  } else {
    head[2] = level;
    if (level !== SMB2_OPLOCK_LEVEL_BATCH) contexts = contexts.filter((c) => c.name !== "DH2Q");
  }
  return createResponseBody({ head, contexts });
}

/** The open an earlier CREATE with this CreateGuid made, answered again. */
function replayed(req: SmbRequest, entry: ReplayEntry, contexts: CreateContext[], level: number): Reply {
  const open = entry.open;
  if (!open || !entry.response)
    throw new SmbError(STATUS_FILE_NOT_AVAILABLE, "the CREATE is still in progress");
  // A replay with a lease must name the lease the open holds (Samba answers ACCESS_DENIED).
  const lease = parseLeaseRequest(contexts, true);
  const held = open.holder?.lease ?? null;
  if (lease && !held?.key.equals(lease.key))
    throw new SmbError(STATUS_ACCESS_DENIED, "replay names another lease");
  if (isDisconnected(open)) {
    checkTakeover(req, open);
    adopt(req, open);
  } else if (open.session !== req.session)
    // Another channel of the same session may replay it (multichannel, smbtorture smb2.replay.replay3).
    throw new SmbError(STATUS_FILE_NOT_AVAILABLE, "the open belongs to another session");
  req.compound.fileId = { persistent: open.persistentId, volatile: open.volatileId };
  return { body: answer(entry.response, open, level) };
}

/**
 * Runs `create` for a DH2Q CREATE with CreateGuid `guid`, or answers a replay of it. The entry is
 * pending while `create` runs and names its open once it succeeded.
 */
export async function replayableCreate(
  req: SmbRequest,
  guid: Buffer,
  contexts: CreateContext[],
  level: number,
  create: () => Promise<CreateResponse>,
): Promise<Reply> {
  const cache = req.server.replayCache;
  const key = `${req.conn.clientGuid.toString("hex")}:${guid.toString("hex")}`;
  const entry = cache.get(key);
  const replay = (req.header.Flags & SMB2_FLAGS_REPLAY_OPERATION) !== 0;
  if (entry && replay) return replayed(req, entry, contexts, level);
  if (entry) throw new SmbError(STATUS_DUPLICATE_OBJECTID, "CreateGuid in use");
  const party = req.conn.remoteAddress;
  if (!cache.admits(party)) return { body: createResponseBody(await create()) };
  const pending: ReplayEntry = { open: null, response: null };
  cache.set(key, pending, party);
  let response: CreateResponse;
  try {
    response = await create();
  } catch (e) {
    if (cache.get(key) === pending) cache.delete(key);
    throw e;
  }
  const id = req.compound.fileId;
  const open = id ? req.conn.opens.get(id.volatile) : undefined;
  if (open) {
    pending.open = open;
    pending.response = response;
    open.replayKey = key;
  } else cache.delete(key);
  return { body: createResponseBody(response) };
}
