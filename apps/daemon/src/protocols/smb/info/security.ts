/**
 * Security descriptors mapped to and from POSIX owner/group/mode ([MS-DTYP] §2.4.6 self-relative
 * SECURITY_DESCRIPTOR, §2.4.5 ACL, §2.4.4.2 ACCESS_ALLOWED_ACE). The mapping, as Samba's Unix
 * SIDs do it: a uid is S-1-22-1-<uid>, a gid S-1-22-2-<gid>; the DACL holds one allow ACE each for
 * the owner, the group and Everyone (S-1-1-0) from the three rwx triplets (r = FILE_READ_DATA,
 * w = FILE_WRITE_DATA, x = FILE_EXECUTE; the owner also holds WRITE_DAC/WRITE_OWNER). A DACL set by
 * a client maps back only when it has that shape: allow ACEs for the owner, group or Everyone
 * (inherit-only ACEs are ignored, a NULL DACL is mode 0777); a deny ACE or another SID cannot be
 * expressed by a mode and is refused (DaclNotRepresentable).
 */
import type { FileAttr } from "../../../metadata/types.ts";
import * as C from "../constants.ts";
import { SmbWriter } from "../wire.ts";

const SE_DACL_PRESENT = 0x0004;
const SE_SELF_RELATIVE = 0x8000;
const ACCESS_ALLOWED_ACE_TYPE = 0;
/** AceFlags: the ACE only passes to children; it grants nothing on this file. */
const INHERIT_ONLY_ACE = 0x08;
/** ACL header: AclRevision, Sbz1, AclSize, AceCount, Sbz2; ACE header: AceType, AceFlags, AceSize. */
const ACL_HEADER_BYTES = 8;
const ACE_HEADER_BYTES = 4;
/** More ACEs than this in one DACL are refused (a mode needs three). */
export const MAX_DACL_ACES = 256;
const GENERIC_ALL = 0x10000000;
const GENERIC_EXECUTE = 0x20000000;
const GENERIC_WRITE = 0x40000000;
const GENERIC_READ = 0x80000000;

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

/** A DACL a POSIX mode cannot express (a deny ACE, a SID other than owner, group or Everyone). */
export class DaclNotRepresentable extends Error {
  override name = "DaclNotRepresentable";
}

/** The rwx bits an access mask grants (generic rights count as their specific ones). */
function bitsOf(mask: number): number {
  let bits = 0;
  if (mask & (C.FILE_READ_DATA | GENERIC_READ | GENERIC_ALL)) bits |= 4;
  if (mask & (C.FILE_WRITE_DATA | GENERIC_WRITE | GENERIC_ALL)) bits |= 2;
  if (mask & (C.FILE_EXECUTE | GENERIC_EXECUTE | GENERIC_ALL)) bits |= 1;
  return bits;
}

/**
 * The mode a SET_INFO DACL asks for, given the file's (possibly just changed) owner and group:
 * the permission bits from the allow ACEs, the set-id and sticky bits of `mode` kept. Throws
 * RangeError for a malformed descriptor, DaclNotRepresentable for one a mode cannot express.
 */
export function modeOfDacl(sd: Buffer, owner: { uid: number; gid: number }, mode: number): number {
  if (sd.length < SD_HEADER_BYTES) throw new RangeError("security descriptor");
  const control = sd.readUInt16LE(2);
  const off = sd.readUInt32LE(16);
  const special = mode & 0o7000;
  if (!(control & SE_DACL_PRESENT) || off === 0) return special | 0o777;
  if (off < SD_HEADER_BYTES || off + ACL_HEADER_BYTES > sd.length) throw new RangeError("DACL offset");
  const size = sd.readUInt16LE(off + 2);
  const count = sd.readUInt16LE(off + 4);
  if (off + size > sd.length || count > MAX_DACL_ACES) throw new RangeError("DACL size");
  const who = [sid(22, 1, owner.uid), sid(22, 2, owner.gid), sid(1, 0)];
  const bits = [0, 0, 0];
  let at = off + ACL_HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    if (at + ACE_HEADER_BYTES + 4 > off + size) throw new RangeError("ACE offset");
    const type = sd[at]!;
    const flags = sd[at + 1]!;
    const aceSize = sd.readUInt16LE(at + 2);
    if (aceSize < ACE_HEADER_BYTES + 4 + SID_HEADER_BYTES || at + aceSize > off + size) {
      throw new RangeError("ACE size");
    }
    const mask = sd.readUInt32LE(at + 4);
    const aceSid = sd.subarray(at + 8, at + aceSize);
    at += aceSize;
    if (flags & INHERIT_ONLY_ACE) continue;
    if (type !== ACCESS_ALLOWED_ACE_TYPE) throw new DaclNotRepresentable(`ACE type ${type}`);
    const k = who.findIndex((w) => aceSid.subarray(0, w.length).equals(w));
    if (k < 0) throw new DaclNotRepresentable("ACE for a SID other than owner, group or Everyone");
    bits[k]! |= bitsOf(mask);
  }
  return special | (bits[0]! << 6) | (bits[1]! << 3) | bits[2]!;
}
