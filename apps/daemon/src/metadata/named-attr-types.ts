/**
 * The named-attribute contract between the metadata service, its callers and the stores: named
 * data streams, extended attributes and the stored ACL, which stores keep as opaque bytes under a
 * kind and a name (the rules and limits are the service's, metadata/ops/named-attrs.ts).
 */
/**
 * A value kept beside a file under a name: a named data stream ([MS-FSCC] §2.1.4, "file:name")
 * or an extended attribute ([MS-FSCC] §2.4.15), and the stored ACL (metadata/ops/acl.ts). The
 * service owns their rules and limits (metadata/ops/named-attrs.ts); stores keep them as opaque bytes.
 */
export type NamedAttrKind = "stream" | "ea" | "acl";

export interface NamedAttr {
  name: string;
  value: Buffer;
}

/** A named attribute's name and value length, listed without reading the values. */
export interface NamedAttrSize {
  name: string;
  size: number;
}

/** A change to one named attribute, applied in one transaction. */
export type NamedAttrChange =
  /** Creates it empty; EEXIST if it exists. */
  | { op: "create" }
  /** Creates or replaces the whole value. */
  | { op: "put"; value: Buffer }
  /** Writes `data` at `offset` (zero-filling a gap), creating it if missing. */
  | { op: "write"; offset: number; data: Buffer }
  /** Cuts or zero-extends to `size`; ENOENT if missing. */
  | { op: "truncate"; size: number }
  /** ENOENT if missing. */
  | { op: "delete" }
  /**
   * Moves the value to the name `to` (a stream renamed, [MS-FSA] §2.1.5.15.11.1): ENOENT if
   * missing; an existing `to` is replaced with `replace`, else EEXIST; `to` equal to the name
   * changes nothing.
   */
  | { op: "rename"; to: string; replace: boolean };
