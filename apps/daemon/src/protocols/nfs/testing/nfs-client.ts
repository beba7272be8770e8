/**
 * A typed NFSv3 + MOUNT client over RpcClient, for tests: each method sends one call and decodes
 * the result, success or failure arm, so tests assert on what a real client would see.
 */
import { RpcClient } from "../rpc/client.ts";
import { MOUNT_PROGRAM, NFS_PROGRAM } from "../rpc/constants.ts";
import type { AuthSys } from "../rpc/message.ts";
import * as c from "../v3/constants.ts";
import type { XdrReader } from "../xdr/reader.ts";
import type { XdrWriter } from "../xdr/writer.ts";
import { decodeFattr, type Fattr3, postOpAttr, postOpFh, type Wcc, wcc } from "./decode.ts";

export const ROOT_AUTH: AuthSys = { stamp: 0, machineName: "test", uid: 0, gid: 0, gids: [] };

export interface Sattr {
  mode?: number;
  uid?: number;
  gid?: number;
  size?: number;
  atime?: "server" | [number, number];
  mtime?: "server" | [number, number];
}

export function encodeSattr(w: XdrWriter, s: Sattr): void {
  for (const v of [s.mode, s.uid, s.gid]) {
    if (v === undefined) w.bool(false);
    else w.bool(true).uint32(v);
  }
  if (s.size === undefined) w.bool(false);
  else w.bool(true).uint64(s.size);
  for (const t of [s.atime, s.mtime]) {
    if (t === undefined) w.uint32(c.DONT_CHANGE);
    else if (t === "server") w.uint32(c.SET_TO_SERVER_TIME);
    else w.uint32(c.SET_TO_CLIENT_TIME).uint32(t[0]).uint32(t[1]);
  }
}

type Res<T> = ({ status: 0 } & T) | { status: number; fail: XdrReader };

export interface Created {
  fh: Buffer | null;
  attr: Fattr3 | null;
  dir: Wcc;
}

export class NfsClient {
  auth: AuthSys = ROOT_AUTH;

  constructor(readonly rpc: RpcClient) {}

  static async connect(port: number): Promise<NfsClient> {
    return new NfsClient(await RpcClient.connect(port));
  }

  close(): void {
    this.rpc.close();
  }

  as(uid: number, gid: number, gids: number[] = []): NfsClient {
    const other = new NfsClient(this.rpc);
    other.auth = { ...ROOT_AUTH, uid, gid, gids };
    return other;
  }

  private async nfs<T>(proc: number, args: (w: XdrWriter) => void, ok: (r: XdrReader) => T): Promise<Res<T>> {
    const r = await this.rpc.call(NFS_PROGRAM, 3, proc, args, this.auth);
    const status = r.uint32();
    if (status !== c.NFS3_OK) return { status, fail: r };
    return { status: 0, ...ok(r) } as Res<T>;
  }

  async mount(path: string): Promise<{ status: number; fh: Buffer | null; flavors: number[] }> {
    const r = await this.rpc.call(MOUNT_PROGRAM, 3, 1, (w) => w.string(path), this.auth);
    const status = r.uint32();
    if (status !== 0) return { status, fh: null, flavors: [] };
    return { status, fh: Buffer.from(r.opaque(64)), flavors: r.array(16, (x) => x.uint32()) };
  }

  getattr(fh: Buffer) {
    return this.nfs(
      c.NFSPROC3_GETATTR,
      (w) => w.opaque(fh),
      (r) => ({ attr: decodeFattr(r) }),
    );
  }

  setattr(fh: Buffer, s: Sattr, guard?: [number, number]) {
    return this.nfs(
      c.NFSPROC3_SETATTR,
      (w) => {
        w.opaque(fh);
        encodeSattr(w, s);
        if (guard) w.bool(true).uint32(guard[0]).uint32(guard[1]);
        else w.bool(false);
      },
      (r) => ({ wcc: wcc(r) }),
    );
  }

  lookup(dir: Buffer, name: string) {
    return this.nfs(
      c.NFSPROC3_LOOKUP,
      (w) => w.opaque(dir).string(name),
      (r) => ({ fh: Buffer.from(r.opaque(64)), attr: postOpAttr(r), dirAttr: postOpAttr(r) }),
    );
  }

  access(fh: Buffer, mask: number) {
    return this.nfs(
      c.NFSPROC3_ACCESS,
      (w) => w.opaque(fh).uint32(mask),
      (r) => ({ attr: postOpAttr(r), access: r.uint32() }),
    );
  }

  readlink(fh: Buffer) {
    return this.nfs(
      c.NFSPROC3_READLINK,
      (w) => w.opaque(fh),
      (r) => ({ attr: postOpAttr(r), target: r.string(4096) }),
    );
  }

  read(fh: Buffer, offset: number, count: number) {
    return this.nfs(
      c.NFSPROC3_READ,
      (w) => w.opaque(fh).uint64(offset).uint32(count),
      (r) => {
        const attr = postOpAttr(r);
        const cnt = r.uint32();
        const eof = r.bool();
        return { attr, count: cnt, eof, data: Buffer.from(r.opaque(c.RTMAX_BYTES)) };
      },
    );
  }

  write(fh: Buffer, offset: number, data: Buffer, stable = c.UNSTABLE) {
    return this.nfs(
      c.NFSPROC3_WRITE,
      (w) => w.opaque(fh).uint64(offset).uint32(data.length).uint32(stable).opaque(data),
      (r) => ({ wcc: wcc(r), count: r.uint32(), committed: r.uint32(), verf: Buffer.from(r.fixedOpaque(8)) }),
    );
  }

  create(dir: Buffer, name: string, how: "unchecked" | "guarded" | Buffer = "unchecked", s: Sattr = {}) {
    return this.nfs(
      c.NFSPROC3_CREATE,
      (w) => {
        w.opaque(dir).string(name);
        if (Buffer.isBuffer(how)) w.uint32(c.EXCLUSIVE).fixedOpaque(how);
        else {
          w.uint32(how === "guarded" ? c.GUARDED : c.UNCHECKED);
          encodeSattr(w, s);
        }
      },
      created,
    );
  }

  mkdir(dir: Buffer, name: string, s: Sattr = {}) {
    return this.nfs(
      c.NFSPROC3_MKDIR,
      (w) => {
        w.opaque(dir).string(name);
        encodeSattr(w, s);
      },
      created,
    );
  }

  symlink(dir: Buffer, name: string, target: string, s: Sattr = {}) {
    return this.nfs(
      c.NFSPROC3_SYMLINK,
      (w) => {
        w.opaque(dir).string(name);
        encodeSattr(w, s);
        w.string(target);
      },
      created,
    );
  }

  mknod(dir: Buffer, name: string, type: number, s: Sattr = {}, rdev: [number, number] = [0, 0]) {
    return this.nfs(
      c.NFSPROC3_MKNOD,
      (w) => {
        w.opaque(dir).string(name).uint32(type);
        if (type === c.NF3CHR || type === c.NF3BLK) {
          encodeSattr(w, s);
          w.uint32(rdev[0]).uint32(rdev[1]);
        } else if (type === c.NF3SOCK || type === c.NF3FIFO) encodeSattr(w, s);
      },
      created,
    );
  }

  remove(dir: Buffer, name: string) {
    return this.nfs(
      c.NFSPROC3_REMOVE,
      (w) => w.opaque(dir).string(name),
      (r) => ({ wcc: wcc(r) }),
    );
  }

  rmdir(dir: Buffer, name: string) {
    return this.nfs(
      c.NFSPROC3_RMDIR,
      (w) => w.opaque(dir).string(name),
      (r) => ({ wcc: wcc(r) }),
    );
  }

  rename(fromDir: Buffer, fromName: string, toDir: Buffer, toName: string) {
    return this.nfs(
      c.NFSPROC3_RENAME,
      (w) => w.opaque(fromDir).string(fromName).opaque(toDir).string(toName),
      (r) => ({ from: wcc(r), to: wcc(r) }),
    );
  }

  link(file: Buffer, dir: Buffer, name: string) {
    return this.nfs(
      c.NFSPROC3_LINK,
      (w) => w.opaque(file).opaque(dir).string(name),
      (r) => ({ attr: postOpAttr(r), dir: wcc(r) }),
    );
  }

  readdir(dir: Buffer, cookie = 0n, verf: Buffer = Buffer.alloc(8), count = 65536) {
    return this.nfs(
      c.NFSPROC3_READDIR,
      (w) => w.opaque(dir).uint64(cookie).fixedOpaque(verf).uint32(count),
      (r) => {
        const dirAttr = postOpAttr(r);
        const verifier = Buffer.from(r.fixedOpaque(8));
        const entries: { fileid: bigint; name: string; cookie: bigint }[] = [];
        while (r.bool()) entries.push({ fileid: r.uint64(), name: r.string(1024), cookie: r.uint64() });
        return { dirAttr, verifier, entries, eof: r.bool() };
      },
    );
  }

  readdirplus(dir: Buffer, cookie = 0n, verf: Buffer = Buffer.alloc(8), dircount = 8192, maxcount = 65536) {
    return this.nfs(
      c.NFSPROC3_READDIRPLUS,
      (w) => w.opaque(dir).uint64(cookie).fixedOpaque(verf).uint32(dircount).uint32(maxcount),
      (r) => {
        const dirAttr = postOpAttr(r);
        const verifier = Buffer.from(r.fixedOpaque(8));
        const entries: {
          fileid: bigint;
          name: string;
          cookie: bigint;
          attr: Fattr3 | null;
          fh: Buffer | null;
        }[] = [];
        while (r.bool()) {
          entries.push({
            fileid: r.uint64(),
            name: r.string(1024),
            cookie: r.uint64(),
            attr: postOpAttr(r),
            fh: postOpFh(r),
          });
        }
        return { dirAttr, verifier, entries, eof: r.bool() };
      },
    );
  }

  fsstat(fh: Buffer) {
    return this.nfs(
      c.NFSPROC3_FSSTAT,
      (w) => w.opaque(fh),
      (r) => ({
        attr: postOpAttr(r),
        tbytes: r.uint64(),
        fbytes: r.uint64(),
        abytes: r.uint64(),
        tfiles: r.uint64(),
        ffiles: r.uint64(),
        afiles: r.uint64(),
        invarsec: r.uint32(),
      }),
    );
  }

  fsinfo(fh: Buffer) {
    return this.nfs(
      c.NFSPROC3_FSINFO,
      (w) => w.opaque(fh),
      (r) => ({
        attr: postOpAttr(r),
        rtmax: r.uint32(),
        rtpref: r.uint32(),
        rtmult: r.uint32(),
        wtmax: r.uint32(),
        wtpref: r.uint32(),
        wtmult: r.uint32(),
        dtpref: r.uint32(),
        maxfilesize: r.uint64(),
        timeDelta: [r.uint32(), r.uint32()] as [number, number],
        properties: r.uint32(),
      }),
    );
  }

  pathconf(fh: Buffer) {
    return this.nfs(
      c.NFSPROC3_PATHCONF,
      (w) => w.opaque(fh),
      (r) => ({
        attr: postOpAttr(r),
        linkmax: r.uint32(),
        nameMax: r.uint32(),
        noTrunc: r.bool(),
        chownRestricted: r.bool(),
        caseInsensitive: r.bool(),
        casePreserving: r.bool(),
      }),
    );
  }

  commit(fh: Buffer, offset = 0, count = 0) {
    return this.nfs(
      c.NFSPROC3_COMMIT,
      (w) => w.opaque(fh).uint64(offset).uint32(count),
      (r) => ({
        wcc: wcc(r),
        verf: Buffer.from(r.fixedOpaque(8)),
      }),
    );
  }
}

function created(r: XdrReader): Created {
  return { fh: postOpFh(r), attr: postOpAttr(r), dir: wcc(r) };
}

/** Narrows a result to success, failing the test with the status otherwise. */
export function ok<T>(res: Res<T>): { status: 0 } & T {
  if (res.status !== 0) throw new Error(`expected NFS3_OK, got nfsstat3 ${res.status}`);
  return res as { status: 0 } & T;
}

/** The failure arm of a result; throws when the call succeeded. */
export function failed<T>(res: Res<T>): { status: number; fail: XdrReader } {
  if (res.status === 0) throw new Error("expected a failure status");
  return res as { status: number; fail: XdrReader };
}
