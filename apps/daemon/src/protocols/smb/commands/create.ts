/**
 * SMB2 CREATE ([MS-SMB2] §2.2.13, §2.2.14, §3.3.5.9; [MS-FSA] §2.1.5.1): open or create a file
 * or directory by path, applying CreateDisposition, CreateOptions, access and share modes.
 */

import assert from "node:assert";
import { mapGeneric } from "../../../files/nt-acl/access.ts";
import type { Opened, OpenRequest, OpenResult } from "../../../files/open.ts";
import type { OpenedStream } from "../../../files/streams.ts";
import type { OpenAction, OpenDisposition } from "../../../files/types.ts";
import type { FileAttr } from "../../../metadata/types.ts";
import { appInstanceId } from "../app-instance.ts";
import { allocationSize, allocationUnits, dosAttributes, endOfFile, writeTimes } from "../attrs.ts";
import { treeCall } from "../calls.ts";
import * as C from "../constants.ts";
import { type Admission, abandon, admit, checkOpenAccess, unadmit } from "../create-admit.ts";
import {
  type CreateContext,
  type CreateResponse,
  createResponseBody,
  parseCreateContexts,
} from "../create-contexts.ts";
import { applyCreateEas, createEas } from "../create-ea.ts";
import { replayableCreate } from "../create-replay.ts";
import { applyCreateSecurity, createSecurity } from "../create-secd.ts";
import { checkStreamOptions, fileDisposition, streamOpenResult } from "../create-stream.ts";
import { exemptParent } from "../dir-leases.ts";
import { type DurableRequest, grantDurable, parseDurable, RetryCreate, reconnectCreate } from "../durable.ts";
import { MAX_OPENS_PER_CONNECTION, MAX_PATH_BYTES } from "../limits.ts";
import * as S from "../ntstatus.ts";
import { type CachingRequest, cachingRequest, grantCaching } from "../oplock-grant.ts";
import { parsePath, withPathStatus } from "../paths.ts";
import type { CommandSpec, Reply, SmbRequest } from "../request.ts";
import type { Open, Tree } from "../state.ts";
import { SmbError } from "../status.ts";
import { SmbWriter, slice } from "../wire.ts";
import { reported } from "../write-time.ts";

interface CreateRequest {
  RequestedOplockLevel: number;
  ImpersonationLevel: number;
  DesiredAccess: number;
  FileAttributes: number;
  ShareAccess: number;
  CreateDisposition: number;
  CreateOptions: number;
  name: string;
  contexts: CreateContext[];
}

function decodeCreate(msg: Buffer, r: ReturnType<SmbRequest["reader"]>): CreateRequest {
  r.u8(); // SecurityFlags
  const RequestedOplockLevel = r.u8();
  const ImpersonationLevel = r.u32();
  r.skip(16); // SmbCreateFlags, Reserved
  const DesiredAccess = r.u32();
  const FileAttributes = r.u32();
  const ShareAccess = r.u32();
  const CreateDisposition = r.u32();
  const CreateOptions = r.u32();
  const nameOff = r.u16();
  const nameLen = r.u16();
  const ctxOff = r.u32();
  const ctxLen = r.u32();
  if (nameLen % 2 !== 0) throw new SmbError(S.STATUS_OBJECT_NAME_INVALID);
  const name = slice(msg, nameOff, nameLen, MAX_PATH_BYTES).toString("utf16le");
  const contexts = parseCreateContexts(msg, ctxOff, ctxLen);
  return {
    RequestedOplockLevel,
    ImpersonationLevel,
    DesiredAccess,
    FileAttributes,
    ShareAccess,
    CreateDisposition,
    CreateOptions,
    name,
    contexts,
  };
}

function validate(c: CreateRequest): void {
  if (c.CreateDisposition > C.FILE_OVERWRITE_IF)
    throw new SmbError(S.STATUS_INVALID_PARAMETER, "disposition");
  if (c.ImpersonationLevel > 3) throw new SmbError(0xc00000a5, "impersonation"); // BAD_IMPERSONATION_LEVEL
  if (c.CreateOptions & C.FILE_DIRECTORY_FILE && c.CreateOptions & C.FILE_NON_DIRECTORY_FILE) {
    throw new SmbError(S.STATUS_INVALID_PARAMETER, "dir and non-dir");
  }
  if (c.ShareAccess & ~7 || c.FileAttributes & ~0x7fff)
    throw new SmbError(S.STATUS_INVALID_PARAMETER, "bits");
  if (c.DesiredAccess & C.ACCESS_SYSTEM_SECURITY) throw new SmbError(S.STATUS_PRIVILEGE_NOT_HELD);
  if (c.DesiredAccess === 0) throw new SmbError(S.STATUS_ACCESS_DENIED, "no access requested");
  // A name is relative to the share: one starting with a path separator is INVALID_PARAMETER
  // ([MS-SMB2] §3.3.5.9), as Windows and Samba answer (smbtorture smb2.create.leading-slash).
  if (c.name.startsWith("\\")) throw new SmbError(S.STATUS_INVALID_PARAMETER, "leading backslash");
}

/** CreateDisposition (FILE_SUPERSEDE 0 … FILE_OVERWRITE_IF 5, validated) as the file service names it. */
const DISPOSITIONS: readonly OpenDisposition[] = [
  "supersede",
  "open",
  "create",
  "open-if",
  "overwrite",
  "overwrite-if",
];

/** §2.2.14 CreateAction. */
const CREATE_ACTION: Readonly<Record<OpenAction, number>> = {
  superseded: C.FILE_SUPERSEDED,
  opened: C.FILE_OPENED,
  created: C.FILE_CREATED,
  overwritten: C.FILE_OVERWRITTEN,
};

/**
 * SMB2_CREATE_ALLOCATION_SIZE ("AlSi", §2.2.13.2.4) in whole allocation units: reported, and
 * kept while the file is open (FileState.allocation), not reserved (storage is thin).
 */
function requestedAllocation(c: CreateRequest): bigint {
  const ctx = c.contexts.find((x) => x.name === "AlSi");
  return ctx && ctx.data.length >= 8 ? allocationUnits(ctx.data.readBigUInt64LE(0)) : 0n;
}

/** §2.2.14 from StructureSize through FileId; the contexts follow (create-contexts.ts). */
function responseHead(
  open: Open,
  oplockLevel: number,
  attr: FileAttr,
  action: number,
  alloc: bigint,
): Buffer {
  const w = new SmbWriter(80);
  w.u16(89).u8(oplockLevel).u8(0).u32(action);
  const allocated = allocationSize(attr);
  writeTimes(w, reported(open.conn.server, open.fileKey, attr))
    .u64(alloc > allocated && attr.type !== "dir" ? alloc : allocated)
    .u64(endOfFile(attr))
    .u32(dosAttributes(attr))
    .u32(0)
    .u64(open.persistentId)
    .u64(open.volatileId);
  return w.finish();
}

function responseContexts(c: CreateRequest, attr: FileAttr, maxAccess: number): CreateContext[] {
  const out: CreateContext[] = [];
  if (c.contexts.some((x) => x.name === "MxAc")) {
    out.push({ name: "MxAc", data: new SmbWriter().u32(0).u32(maxAccess).finish() });
  }
  if (c.contexts.some((x) => x.name === "QFid")) {
    out.push({ name: "QFid", data: new SmbWriter().u64(attr.fileid).u64(attr.fsid).zeros(16).finish() });
  }
  return out;
}

/**
 * The DOS attributes a created or overwritten file gets: those asked for, with ARCHIVE as
 * Windows and Samba add it to a new or overwritten file ([MS-FSA] §2.1.5.1.1, §2.1.5.1.2.1;
 * smbtorture smb2.durable-open.read-only, smb2.streams.attributes2). A directory gets none added.
 */
function givenAttributes(c: CreateRequest): number {
  const given = c.FileAttributes & C.SETTABLE_DOS_ATTRIBUTES;
  return c.CreateOptions & C.FILE_DIRECTORY_FILE ? given : given | C.FILE_ATTRIBUTE_ARCHIVE;
}

/**
 * [MS-FSA] §2.1.5.1.2.1: an overwrite (FILE_OVERWRITE, FILE_OVERWRITE_IF) of a file that is
 * HIDDEN or SYSTEM must ask for that attribute again, else ACCESS_DENIED (as Samba's
 * open_match_attributes; smbtorture smb2.dosmode).
 */
function checkKeptAttributes(c: CreateRequest, o: Opened): void {
  if (o.action !== "overwritten" || o.target.attr.type === "dir") return;
  const kept = o.target.attr.dosAttributes & (C.FILE_ATTRIBUTE_HIDDEN | C.FILE_ATTRIBUTE_SYSTEM);
  if (kept & ~c.FileAttributes) throw new SmbError(S.STATUS_ACCESS_DENIED, "overwrite drops HIDDEN/SYSTEM");
}

function openKind(options: number): OpenRequest["kind"] {
  if (options & C.FILE_DIRECTORY_FILE) return "dir";
  return options & C.FILE_NON_DIRECTORY_FILE ? "file" : undefined;
}

async function create(req: SmbRequest): Promise<Reply> {
  req.requireSession();
  const tree = req.requireTree();
  const c = decodeCreate(req.msg, req.reader());
  // A CREATE on the IPC$ tree opens a named pipe; the connection sends it to ipc.ts instead.
  assert(!tree.ipc, "CREATE on IPC$ is dispatched to ipc.ts");
  const durable = parseDurable(c.contexts);
  if (durable.kind === "reconnect") {
    const r = await reconnectCreate(req, durable, c.name, c.contexts);
    const head = responseHead(r.open, r.level, r.attr, C.FILE_OPENED, r.open.durable!.allocation);
    return { body: createResponseBody({ head, contexts: r.contexts }) };
  }
  if (durable.kind !== "open" || !durable.v2)
    return { body: createResponseBody(await openNew(req, tree, c, durable)) };
  return replayableCreate(req, durable.createGuid, c.contexts, c.RequestedOplockLevel, () =>
    openNew(req, tree, c, durable),
  );
}

function retryOnce<T>(e: unknown, again: () => Promise<T>): Promise<T> {
  if (e instanceof RetryCreate) return again();
  throw e;
}

/** A CREATE that makes a new open (no durable reconnect). */
async function openNew(
  req: SmbRequest,
  tree: Tree,
  c: CreateRequest,
  durable: DurableRequest,
): Promise<CreateResponse> {
  validate(c);
  // [MS-SMB2] §3.3.5.9.12 "TWrp": the server keeps no previous versions, so no snapshot of the
  // name exists at any time (Samba without shadow copies answers the same).
  if (c.contexts.some((x) => x.name === "TWrp")) throw new SmbError(S.STATUS_OBJECT_NAME_NOT_FOUND, "TWrp");
  const path = parsePath(c.name);
  const eas = createEas(c.contexts);
  const sd = path.stream === null ? createSecurity(c.contexts) : null;
  if (path.stream !== null || path.dataStream) checkStreamOptions(c.CreateOptions);
  const caching = cachingRequest(req, c.RequestedOplockLevel, c.contexts);
  if (req.conn.opens.size >= MAX_OPENS_PER_CONNECTION) throw new SmbError(S.STATUS_TOO_MANY_OPENED_FILES);
  const id = req.conn.newVolatileId();
  const a = admission(req, c, id);
  const opened = await openTarget(req, tree, c, path, caching, a);
  // The client went away while this CREATE awaited: teardown already closed its opens, so one
  // registered now would hold its share mode and handle forever.
  if (req.conn.isClosed) {
    await abandon(req, a, opened);
    throw new SmbError(S.STATUS_USER_SESSION_DELETED, "connection closed");
  }
  await applyCreateEas(req, opened, eas)
    .then(() => applyCreateSecurity(req, opened, sd))
    .catch(async (e: unknown) => {
      await abandon(req, a, opened);
      throw e;
    });
  // The names as stored, whatever case the client used (FileNormalizedNameInformation).
  const name = opened.stored.join("\\") + (a.stream === null ? "" : `:${a.stream}`);
  const open = registerOpen(req, id, c, opened, a, name);
  return respond(req, c, open, opened, a, caching, durable);
}

/** A new admission for open `id`, after the checks that come before anything is created. */
function admission(req: SmbRequest, c: CreateRequest, id: bigint): Admission {
  const a: Admission = {
    access: mapGeneric(c.DesiredAccess),
    maxAccess: 0,
    fileKey: "",
    // Trailing ':' so the owner is never a prefix of another (releaseOwner matches by prefix:
    // closing open 1 must not release the locks of open 10).
    owner: `smb:${req.conn.clientId}:${id}:`,
    file: null,
    handle: null,
    stream: null,
    appInstance: appInstanceId(req, c.contexts),
    aclDelete: false,
  };
  const maxAllowed = (c.DesiredAccess & C.MAXIMUM_ALLOWED) !== 0;
  // [MS-FSA] §2.1.5.1: delete-on-close without DELETE access fails before anything is created.
  if (c.CreateOptions & C.FILE_DELETE_ON_CLOSE && !maxAllowed && !(a.access & C.DELETE))
    throw new SmbError(S.STATUS_ACCESS_DENIED, "delete-on-close without DELETE");
  return a;
}

/** Opens (or creates) the target through the file service, admitting it on the way. */
async function openTarget(
  req: SmbRequest,
  tree: Tree,
  c: CreateRequest,
  path: ReturnType<typeof parsePath>,
  caching: CachingRequest,
  a: Admission,
): Promise<OpenResult> {
  const files = req.server.ctx.files;
  const root = treeCall(tree, tree.root);
  const disposition = DISPOSITIONS[c.CreateDisposition]!;
  let stream: OpenedStream | null = null;
  const request: OpenRequest = {
    path: path.components,
    disposition: path.stream === null ? disposition : fileDisposition(disposition),
    kind: path.dataStream ? "file" : openKind(c.CreateOptions),
    caseless: true,
    dosAttributes: givenAttributes(c),
    admit: async (o) => {
      checkKeptAttributes(c, o);
      // Stored ACLs decide DELETE with the directory's FILE_DELETE_CHILD (files/security.ts).
      const del =
        a.access & (C.DELETE | C.MAXIMUM_ALLOWED) && o.parent !== null
          ? await files.deleteGrant(treeCall(tree, o.target.handle), o.target.attr, o.parent)
          : null;
      checkOpenAccess(tree, c, a, o, del);
      const doc = (c.CreateOptions & C.FILE_DELETE_ON_CLOSE) !== 0;
      if (path.stream === null) return admit(req, c.ShareAccess, caching, a, o, doc);
      // The stream's disposition applies once its own share modes admitted the open.
      stream = await files.openStream(treeCall(tree, o.target.handle), path.stream, disposition, (name) => {
        a.stream = name;
        return admit(req, c.ShareAccess, caching, a, o, doc);
      });
    },
  };
  // A name this open creates leaves its parent lease unbroken (dir-leases.ts).
  const parentKey = caching.lease?.parentKey;
  const parent = parentKey ? `${req.conn.clientGuid.toString("hex")}:${parentKey.toString("hex")}` : null;
  const unexempt = exemptParent(req.server, tree.share.name, path.components.at(-1) ?? "", parent);
  try {
    // A disconnected delete-on-close durable open that the admission closed took the file along.
    const opened = await withPathStatus(() =>
      files.open(root, request).catch((e) => retryOnce(e, () => files.open(root, request))),
    );
    return stream !== null ? streamOpenResult(opened, stream) : opened;
  } catch (e) {
    unadmit(req, a);
    throw e;
  } finally {
    unexempt();
  }
}

/** The oplock/lease and durable grants, and the response (§3.3.5.9 steps after "create Open"). */
function respond(
  req: SmbRequest,
  c: CreateRequest,
  open: Open,
  opened: OpenResult,
  a: Admission,
  caching: CachingRequest,
  durable: DurableRequest,
): CreateResponse {
  const alloc = opened.action === "opened" ? 0n : requestedAllocation(c);
  if (alloc > 0n && a.stream === null) a.file!.allocation = alloc;
  const grant = grantCaching(req, a.file!, open, caching);
  const contexts = responseContexts(c, opened.attr, a.maxAccess);
  if (grant.context) contexts.push(grant.context);
  const action = CREATE_ACTION[opened.action];
  // Samba makes no stream open durable.
  const durableContext =
    a.stream === null ? grantDurable(req.server, open, durable, grant.level, alloc) : null;
  if (durableContext) contexts.push(durableContext);
  return { head: responseHead(open, grant.level, opened.attr, action, alloc), contexts };
}

/** The open the file service admitted, on its connection and file (§3.3.5.9 step "create Open"). */
function registerOpen(
  req: SmbRequest,
  id: bigint,
  c: CreateRequest,
  opened: OpenResult,
  a: Admission,
  path: string,
): Open {
  const open: Open = {
    persistentId: id,
    volatileId: id,
    session: req.requireSession(),
    tree: req.requireTree(),
    handle: opened.target.handle,
    parent: opened.parent,
    name: opened.name,
    path,
    isDir: opened.attr.type === "dir",
    stream: a.stream,
    fileid: opened.attr.fileid,
    fileKey: a.fileKey,
    grantedAccess: a.access,
    grantee: req.requireTree().caller,
    aclDecided: opened.ntAccess !== null,
    aclDelete: a.aclDelete,
    shareAccess: c.ShareAccess,
    deleteOnClose: (c.CreateOptions & C.FILE_DELETE_ON_CLOSE) !== 0,
    lockOwner: a.owner,
    dir: null,
    position: 0n,
    mode: c.CreateOptions & (C.FILE_WRITE_THROUGH | 0x30),
    retained: true,
    lockWaiters: new Set(),
    written: false,
    conn: req.conn,
    holder: null,
    notify: null,
    durable: null,
  };
  if (a.appInstance) open.appInstanceId = a.appInstance;
  a.file!.opens.add(open);
  req.conn.opens.set(id, open);
  req.compound.fileId = { persistent: id, volatile: id };
  return open;
}

export const CREATE: CommandSpec = {
  name: "CREATE",
  structureSize: 57,
  needsSession: true,
  needsTree: true,
  handle: create,
};
