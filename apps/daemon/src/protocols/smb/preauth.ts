/** SMB 3.1.1 preauthentication integrity ([MS-SMB2] §3.3.5.4, §3.3.5.5): H = SHA-512(H ‖ message). */
import { createHash } from "node:crypto";

export const PREAUTH_HASH_BYTES = 64;

export function preauthUpdate(hash: Buffer, message: Buffer): Buffer {
  return createHash("sha512").update(hash).update(message).digest();
}
