/**
 * Security descriptors on the SMB wire ([MS-DTYP] §2.4.6 self-relative SECURITY_DESCRIPTOR):
 * the parts of the file's descriptor a QUERY_INFO asks for, and the change a SET_INFO (or a
 * CREATE "SecD" context) asks for. What they mean — the stored ACL, the POSIX mapping, the
 * access check — is the file service's (files/security.ts, files/nt-acl/).
 */
import { decodeSd, encodeSd, type SecurityDescriptor, UnsupportedAce } from "../../../files/nt-acl/sd.ts";
import type { SecurityChange } from "../../../files/security.ts";
import * as C from "../constants.ts";
import * as S from "../ntstatus.ts";
import { SmbError } from "../status.ts";
import { SmbWriter } from "../wire.ts";

/** A binary SID S-1-<authority>-<subs...> (tests build descriptors with it). */
export function sid(authority: number, ...subs: number[]): Buffer {
  const w = new SmbWriter(8 + 4 * subs.length);
  w.u8(1).u8(subs.length);
  w.bytes(Buffer.from([0, 0, 0, 0, 0, authority]));
  for (const s of subs) w.u32(s);
  return w.finish();
}

/** The parts of `sd` that `additional` (OWNER/GROUP/DACL_SECURITY_INFORMATION) names. */
export function securityReply(sd: SecurityDescriptor, additional: number): Buffer {
  return encodeSd({
    owner: additional & C.OWNER_SECURITY_INFORMATION ? sd.owner : null,
    group: additional & C.GROUP_SECURITY_INFORMATION ? sd.group : null,
    ...(additional & C.DACL_SECURITY_INFORMATION ? { dacl: sd.dacl ?? null } : {}),
  });
}

/** The decoded descriptor: INVALID_PARAMETER when malformed, NOT_SUPPORTED for ACE types other than allow/deny. */
export function decodeSecurity(buf: Buffer): SecurityDescriptor {
  try {
    return decodeSd(buf);
  } catch (e) {
    if (e instanceof UnsupportedAce) throw new SmbError(S.STATUS_NOT_SUPPORTED, e.message);
    throw new SmbError(S.STATUS_INVALID_PARAMETER, "SecurityDescriptor");
  }
}

/**
 * The change `sd` asks for, limited to the parts `additional` names; with DACL_SECURITY_INFORMATION
 * a descriptor without SE_DACL_PRESENT sets a NULL DACL ([MS-DTYP] §2.4.6).
 */
export function securityChange(sd: SecurityDescriptor, additional: number): SecurityChange {
  const c: SecurityChange = {};
  if (additional & C.OWNER_SECURITY_INFORMATION && sd.owner !== null) c.owner = sd.owner;
  if (additional & C.GROUP_SECURITY_INFORMATION && sd.group !== null) c.group = sd.group;
  if (additional & C.DACL_SECURITY_INFORMATION) c.dacl = sd.dacl ?? null;
  return c;
}
