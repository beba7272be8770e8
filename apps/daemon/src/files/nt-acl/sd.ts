/**
 * Windows security descriptors as the file service keeps and checks them: the self-relative
 * SECURITY_DESCRIPTOR ([MS-DTYP] §2.4.6) with its owner and group SIDs (§2.4.2.2), and a DACL
 * (§2.4.5) of ACCESS_ALLOWED / ACCESS_DENIED ACEs (§2.4.4.2, §2.4.4.4). The same bytes are the
 * SMB wire form (QUERY/SET_INFO security, the CREATE "SecD" context) and the stored form (the
 * metadata named attribute of kind "acl", docs/architecture.md "Security descriptors"). SIDs
 * are kept as their string form ("S-1-5-11"), which compares and prints simply.
 */

/** Control bits ([MS-DTYP] §2.4.6) the file service keeps; the rest are dropped. */
export const SE_DACL_PRESENT = 0x0004;
export const SE_DACL_AUTO_INHERIT_REQ = 0x0100;
export const SE_DACL_AUTO_INHERITED = 0x0400;
export const SE_DACL_PROTECTED = 0x1000;
const SE_SELF_RELATIVE = 0x8000;
const KEPT_CONTROL = SE_DACL_AUTO_INHERIT_REQ | SE_DACL_AUTO_INHERITED | SE_DACL_PROTECTED;

export const ACCESS_ALLOWED_ACE_TYPE = 0;
export const ACCESS_DENIED_ACE_TYPE = 1;

/** AceFlags ([MS-DTYP] §2.4.4.1). */
export const OBJECT_INHERIT_ACE = 0x01;
export const CONTAINER_INHERIT_ACE = 0x02;
export const NO_PROPAGATE_INHERIT_ACE = 0x04;
export const INHERIT_ONLY_ACE = 0x08;
export const INHERITED_ACE = 0x10;

/** More ACEs than this in one DACL are refused (Windows allows about 1,820 in 64 KiB). */
export const DACL_ACES_MAX = 256;
/** A stored descriptor's largest size: an ACL's AclSize is 16 bits, plus header and two SIDs. */
export const SD_BYTES_MAX = 65_536 + 20 + 2 * 68;
/** SubAuthorityCount's maximum ([MS-DTYP] §2.4.2.2). */
const SID_SUBS_MAX = 15;

export interface Ace {
  type: typeof ACCESS_ALLOWED_ACE_TYPE | typeof ACCESS_DENIED_ACE_TYPE;
  flags: number;
  mask: number;
  sid: string;
}

export interface Dacl {
  /** SE_DACL_AUTO_INHERIT_REQ, SE_DACL_AUTO_INHERITED, SE_DACL_PROTECTED as given. */
  control: number;
  aces: Ace[];
}

export interface SecurityDescriptor {
  owner: string | null;
  group: string | null;
  /**
   * null: a NULL DACL (everyone has every right); an empty `aces` grants nothing; undefined: the
   * descriptor has none (SE_DACL_PRESENT clear), and encodes without one.
   */
  dacl?: Dacl | null;
}

/** A descriptor or ACE the file service does not take (a type other than allow/deny). */
export class UnsupportedAce extends Error {
  override name = "UnsupportedAce";
}

const SD_HEADER_BYTES = 20;
const ACL_HEADER_BYTES = 8;
const ACE_FIXED_BYTES = 8;
const SID_HEADER_BYTES = 8;

function readSid(b: Buffer, off: number, end: number): { sid: string; bytes: number } {
  if (off + SID_HEADER_BYTES > end) throw new RangeError("SID");
  const count = b[off + 1]!;
  if (b[off] !== 1 || count > SID_SUBS_MAX || off + SID_HEADER_BYTES + 4 * count > end) {
    throw new RangeError("SID");
  }
  const parts = [`S-1-${b.readUIntBE(off + 2, 6)}`];
  for (let i = 0; i < count; i++) parts.push(String(b.readUInt32LE(off + 8 + 4 * i)));
  return { sid: parts.join("-"), bytes: SID_HEADER_BYTES + 4 * count };
}

/** The binary SID of "S-1-<authority>-<sub>..."; RangeError for anything else. */
export function sidBytes(sid: string): Buffer {
  const m = /^S-1-(\d+)((?:-\d+)*)$/.exec(sid);
  if (!m) throw new RangeError(`SID ${sid}`);
  const subs = m[2] ? m[2].slice(1).split("-").map(Number) : [];
  const authority = Number(m[1]);
  if (subs.length > SID_SUBS_MAX || authority > 0xffff_ffff_ffff || subs.some((s) => s > 0xffffffff)) {
    throw new RangeError(`SID ${sid}`);
  }
  const out = Buffer.alloc(SID_HEADER_BYTES + 4 * subs.length);
  out[0] = 1;
  out[1] = subs.length;
  out.writeUIntBE(authority, 2, 6);
  for (const [i, s] of subs.entries()) out.writeUInt32LE(s, 8 + 4 * i);
  return out;
}

function readAcl(b: Buffer, off: number): Ace[] {
  if (off < SD_HEADER_BYTES || off + ACL_HEADER_BYTES > b.length) throw new RangeError("DACL offset");
  const size = b.readUInt16LE(off + 2);
  const count = b.readUInt16LE(off + 4);
  const end = off + size;
  if (end > b.length || size < ACL_HEADER_BYTES) throw new RangeError("DACL size");
  if (count > DACL_ACES_MAX) throw new RangeError("too many ACEs");
  const aces: Ace[] = [];
  let at = off + ACL_HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    if (at + ACE_FIXED_BYTES > end) throw new RangeError("ACE offset");
    const type = b[at]!;
    const aceSize = b.readUInt16LE(at + 2);
    if (aceSize < ACE_FIXED_BYTES + SID_HEADER_BYTES || at + aceSize > end) throw new RangeError("ACE size");
    if (type !== ACCESS_ALLOWED_ACE_TYPE && type !== ACCESS_DENIED_ACE_TYPE) {
      throw new UnsupportedAce(`ACE type ${type}`);
    }
    const { sid } = readSid(b, at + 8, at + aceSize);
    aces.push({ type, flags: b[at + 1]!, mask: b.readUInt32LE(at + 4), sid });
    at += aceSize;
  }
  return aces;
}

/**
 * Decodes a self-relative descriptor. A DACL offset of 0 or SE_DACL_PRESENT clear is a NULL
 * DACL. RangeError for a malformed one, UnsupportedAce for an ACE type other than allow/deny.
 */
export function decodeSd(b: Buffer): SecurityDescriptor {
  if (b.length < SD_HEADER_BYTES || b.length > SD_BYTES_MAX) throw new RangeError("security descriptor");
  const control = b.readUInt16LE(2);
  const sidAt = (off: number) => (off === 0 ? null : readSid(b, off, b.length).sid);
  const ownerOff = b.readUInt32LE(4);
  const groupOff = b.readUInt32LE(8);
  if ((ownerOff !== 0 && ownerOff < SD_HEADER_BYTES) || (groupOff !== 0 && groupOff < SD_HEADER_BYTES)) {
    throw new RangeError("SID offset");
  }
  const daclOff = b.readUInt32LE(16);
  let dacl: Dacl | null | undefined;
  if (control & SE_DACL_PRESENT) {
    dacl = daclOff === 0 ? null : { control: control & KEPT_CONTROL, aces: readAcl(b, daclOff) };
  }
  return { owner: sidAt(ownerOff), group: sidAt(groupOff), dacl };
}

function encodeAcl(aces: readonly Ace[]): Buffer {
  const parts = aces.map((a) => {
    const s = sidBytes(a.sid);
    const h = Buffer.alloc(ACE_FIXED_BYTES);
    h[0] = a.type;
    h[1] = a.flags;
    h.writeUInt16LE(ACE_FIXED_BYTES + s.length, 2);
    h.writeUInt32LE(a.mask >>> 0, 4);
    return Buffer.concat([h, s]);
  });
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(ACL_HEADER_BYTES);
  head[0] = 2; // ACL_REVISION
  head.writeUInt16LE(ACL_HEADER_BYTES + body.length, 2);
  head.writeUInt16LE(aces.length, 4);
  return Buffer.concat([head, body]);
}

/** Encodes the parts `sd` has: a null owner or group and an undefined DACL are left out. */
export function encodeSd(sd: SecurityDescriptor): Buffer {
  const daclGiven = sd.dacl !== undefined;
  const owner = sd.owner === null ? null : sidBytes(sd.owner);
  const group = sd.group === null ? null : sidBytes(sd.group);
  const dacl = sd.dacl ? encodeAcl(sd.dacl.aces) : null;
  let at = SD_HEADER_BYTES;
  const place = (b: Buffer | null) => {
    if (b === null) return 0;
    const o = at;
    at += b.length;
    return o;
  };
  const head = Buffer.alloc(SD_HEADER_BYTES);
  head[0] = 1;
  const control = SE_SELF_RELATIVE | (daclGiven ? SE_DACL_PRESENT | (sd.dacl?.control ?? 0) : 0);
  head.writeUInt16LE(control, 2);
  head.writeUInt32LE(place(owner), 4);
  head.writeUInt32LE(place(group), 8);
  head.writeUInt32LE(place(dacl), 16);
  return Buffer.concat([head, ...[owner, group, dacl].filter((b) => b !== null)]);
}
