/**
 * A minimal self-relative SECURITY_DESCRIPTOR ([MS-DTYP] §2.4.6) mapped from owner/group/mode:
 * owner S-1-22-1-<uid>, group S-1-22-2-<gid> (Samba's Unix SIDs), and a DACL with one allow ACE
 * each for owner, group and Everyone from the rwx bits.
 */
import type { FileAttr } from "../../../metadata/types.ts";
import * as C from "../constants.ts";
import { SmbWriter } from "../wire.ts";

const SE_DACL_PRESENT = 0x0004;
const SE_SELF_RELATIVE = 0x8000;
const ACCESS_ALLOWED_ACE_TYPE = 0;

export function sid(authority: number, ...subs: number[]): Buffer {
  const w = new SmbWriter(8 + 4 * subs.length);
  w.u8(1).u8(subs.length);
  w.bytes(Buffer.from([0, 0, 0, 0, 0, authority]));
  for (const s of subs) w.u32(s);
  return w.finish();
}

function maskOf(bits: number, owner: boolean): number {
  let m = C.READ_CONTROL | C.SYNCHRONIZE | C.FILE_READ_ATTRIBUTES;
  if (bits & 4) m |= C.FILE_GENERIC_READ;
  if (bits & 2) m |= C.FILE_GENERIC_WRITE | C.DELETE;
  if (bits & 1) m |= C.FILE_GENERIC_EXECUTE;
  if (owner) m |= C.WRITE_DAC | C.WRITE_OWNER | C.FILE_WRITE_ATTRIBUTES;
  return m >>> 0;
}

function acl(aces: { mask: number; sid: Buffer }[]): Buffer {
  const body = new SmbWriter();
  for (const a of aces)
    body
      .u8(ACCESS_ALLOWED_ACE_TYPE)
      .u8(0)
      .u16(8 + a.sid.length)
      .u32(a.mask)
      .bytes(a.sid);
  const b = body.finish();
  return new SmbWriter()
    .u8(2)
    .u8(0)
    .u16(8 + b.length)
    .u16(aces.length)
    .u16(0)
    .bytes(b)
    .finish();
}

export function securityDescriptor(attr: FileAttr, additional: number): Buffer {
  const owner = additional & C.OWNER_SECURITY_INFORMATION ? sid(22, 1, attr.uid) : null;
  const group = additional & C.GROUP_SECURITY_INFORMATION ? sid(22, 2, attr.gid) : null;
  const dacl =
    additional & C.DACL_SECURITY_INFORMATION
      ? acl([
          { mask: maskOf(attr.mode >> 6, true), sid: sid(22, 1, attr.uid) },
          { mask: maskOf(attr.mode >> 3, false), sid: sid(22, 2, attr.gid) },
          { mask: maskOf(attr.mode, false), sid: sid(1, 0) },
        ])
      : null;
  let at = 20;
  const place = (b: Buffer | null) => {
    if (!b) return 0;
    const o = at;
    at += b.length;
    return o;
  };
  const oOwner = place(owner);
  const oGroup = place(group);
  const oDacl = place(dacl);
  const w = new SmbWriter();
  w.u8(1)
    .u8(0)
    .u16(SE_SELF_RELATIVE | (dacl ? SE_DACL_PRESENT : 0));
  w.u32(oOwner).u32(oGroup).u32(0).u32(oDacl);
  for (const b of [owner, group, dacl]) if (b) w.bytes(b);
  return w.finish();
}

/** SECURITY_DESCRIPTOR header ([MS-DTYP] §2.4.6): Revision, Sbz1, Control, then four offsets. */
const SD_HEADER_BYTES = 20;
/** SID: Revision, SubAuthorityCount, IdentifierAuthority (6 bytes), then the sub-authorities. */
const SID_HEADER_BYTES = 8;

/** A Unix SID S-1-22-<kind>-<id> at `off`, as `id`; null for any other SID; throws when malformed. */
function unixId(sd: Buffer, off: number, kind: number): number | null {
  if (off < SD_HEADER_BYTES || off + SID_HEADER_BYTES > sd.length) throw new RangeError("SID offset");
  const count = sd[off + 1]!;
  if (off + SID_HEADER_BYTES + 4 * count > sd.length) throw new RangeError("SID length");
  const authority = sd.readUIntBE(off + 2, 6);
  if (authority !== 22 || count !== 2 || sd.readUInt32LE(off + 8) !== kind) return null;
  return sd.readUInt32LE(off + 12);
}

/**
 * The owner and group a SET_INFO security descriptor asks for (only the parts `additional`
 * names), as Unix ids from Samba's Unix SIDs; `null` for a SID that maps to none. Throws
 * RangeError for a malformed descriptor.
 */
export function ownershipOf(sd: Buffer, additional: number): { uid?: number | null; gid?: number | null } {
  if (sd.length < SD_HEADER_BYTES) throw new RangeError("security descriptor");
  const out: { uid?: number | null; gid?: number | null } = {};
  const ownerOff = sd.readUInt32LE(4);
  const groupOff = sd.readUInt32LE(8);
  if (additional & C.OWNER_SECURITY_INFORMATION && ownerOff !== 0) out.uid = unixId(sd, ownerOff, 1);
  if (additional & C.GROUP_SECURITY_INFORMATION && groupOff !== 0) out.gid = unixId(sd, groupOff, 2);
  return out;
}
