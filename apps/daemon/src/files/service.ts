/**
 * The file service: the one thing protocols call for file operations (docs/architecture.md "Layers").
 * A protocol resolves the handle once (resolve), then makes one call per request; the operation
 * modules order the metadata and payload steps, validating everything before changing anything.
 */

import { FsError } from "../domain/errors.ts";
import type { ShareInfo } from "../domain/share.ts";
import type {
  Caller,
  CreateHow,
  FileAttr,
  MetadataService,
  MutationResult,
  SetAttrs,
  WccAttr,
} from "../metadata/types.ts";
import type { PayloadService } from "../payload/types.ts";
import { type CloseRequest, close } from "./close.ts";
import { commit, type DataDeps, read, write } from "./data.ts";
import { create, setattr } from "./setattr.ts";
import type {
  FileCall,
  ReadRequest,
  ReadResult,
  SetAttrRequest,
  WriteRequest,
  WriteResult,
} from "./types.ts";

export interface ResolveOptions {
  /** The protocol the share must be enabled for ("nfs"); absent: not checked (SMB checked it at TREE_CONNECT). */
  protocol?: keyof ShareInfo["protocols"];
  /** The call changes the file system: refused on a read-only share. */
  mutates?: boolean;
}

export class FileService {
  private readonly d: DataDeps;

  constructor(deps: { metadata: MetadataService; payload: PayloadService }) {
    this.d = { metadata: deps.metadata, payload: deps.payload };
  }

  /**
   * The call context for `handle`: its share looked up once, share-level access checked (share
   * enabled for the protocol, read-only). ESTALE for an unknown share, EBADHANDLE for a
   * malformed handle. Per-call access control for every protocol runs here.
   */
  resolve(caller: Caller, handle: Buffer, opts: ResolveOptions = {}): FileCall {
    const share = this.d.metadata.shareOf(handle);
    if (opts.protocol !== undefined && !share.protocols[opts.protocol]) {
      throw new FsError("EACCES", `share ${share.name} is not exported over ${opts.protocol}`);
    }
    if (opts.mutates && share.readOnly) throw new FsError("EROFS", `share ${share.name} is read-only`);
    return { caller, handle, share };
  }

  write(f: FileCall, w: WriteRequest): Promise<WriteResult> {
    return write(this.d, f, w);
  }

  read(f: FileCall, r: ReadRequest): Promise<ReadResult> {
    return read(this.d, f, r);
  }

  /** NFS COMMIT / SMB FLUSH; `nonFileOk` turns EINVAL on a symlink or device into a no-op. */
  commit(f: FileCall, nonFileOk = false): Promise<{ before: FileAttr; after: FileAttr }> {
    return commit(this.d, f, nonFileOk);
  }

  setattr(f: FileCall, s: SetAttrRequest): Promise<{ before: WccAttr; after: FileAttr }> {
    return setattr(this.d, f, s);
  }

  /** The end of an open: commit what it wrote, unlink on delete-on-close, release its reference. */
  close(f: FileCall, c: CloseRequest): Promise<void> {
    return close(this.d, f, c);
  }

  /** A regular file named `name` in the directory `dir`. */
  create(dir: FileCall, name: string, attrs: SetAttrs, how: CreateHow): Promise<MutationResult> {
    return create(this.d, dir, name, attrs, how);
  }
}
