/**
 * Encryption at the connection ([MS-SMB2] §3.3.5.2.1.1 decrypting a request, §3.3.4.1.4
 * encrypting the replies of an encrypted request and the break notifications of an encrypting
 * session or tree, §3.3.5.2.9 / §3.3.5.2.11 refusing unencrypted requests on an encrypting
 * session or tree). The ciphers are in auth/encryption.ts.
 */
import { decodeTransform } from "./auth/encryption.ts";
import { SMB2_SESSION_SETUP } from "./constants.ts";
import { STATUS_ACCESS_DENIED } from "./ntstatus.ts";
import type { Sealer } from "./reply-writer.ts";
import type { SmbRequest } from "./request.ts";
import type { Open, Session } from "./state.ts";
import { SmbError } from "./status.ts";

/**
 * A TRANSFORM_HEADER frame, length-checked, decrypted with its session's DecryptionKey. Throws
 * (the caller closes the connection) for an unknown session, a session without keys or a bad tag.
 */
export function unseal(
  sessions: Map<bigint, Session>,
  frame: Buffer,
  maxMessageBytes: number,
): { plain: Buffer; session: Session } {
  const t = decodeTransform(frame, maxMessageBytes);
  const session = sessions.get(t.sessionId);
  if (!session?.cipher || session.state !== "valid")
    throw new Error("TRANSFORM_HEADER for no encrypting session");
  const plain = session.cipher.open(t);
  if (!plain) throw new Error("TRANSFORM_HEADER authentication failed");
  return { plain, session };
}

/** Encrypts with `session`'s EncryptionKey, or null for a plain reply. */
export function sealer(session: Session | null): Sealer | null {
  const cipher = session?.cipher;
  if (!session || !cipher) return null;
  return (parts) => cipher.seal(session.id, parts);
}

/**
 * A server-initiated message about `open` (an oplock or lease break, §3.3.4.6 / §3.3.4.7) is
 * encrypted with the open's session when its session or tree has EncryptData; null: plain.
 */
export function notificationSealer(open: Open): Sealer | null {
  return open.session.encryptData || open.tree.encryptData ? sealer(open.session) : null;
}

/**
 * A session or tree with EncryptData refuses unencrypted requests with STATUS_ACCESS_DENIED (as
 * Samba does); SESSION_SETUP stays unencrypted (it derives the keys).
 */
export function checkEncrypted(req: SmbRequest): void {
  if (req.sealed || req.header.Command === SMB2_SESSION_SETUP) return;
  if (req.session?.encryptData || req.tree?.encryptData) {
    throw new SmbError(STATUS_ACCESS_DENIED, "unencrypted request on an encrypted session or tree");
  }
}
