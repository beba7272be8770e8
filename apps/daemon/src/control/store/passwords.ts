/**
 * Password hashing. Logins use scrypt (RFC 7914) with a per-password random salt, stored as
 * `scrypt$N$r$p$salt$hash` (base64) so the cost can change without invalidating old hashes.
 * SMB's NTLM needs the NT hash, MD4(UTF-16LE(password)) ([MS-NLMP] §3.3.1 NTOWFv1); Node's
 * OpenSSL 3 default provider has no MD4 (Node 24 as 20), so it comes from hash-wasm.
 */
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { md4 } from "hash-wasm";
import { FsError } from "../../domain/errors.ts";

export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  N: number;
  r: number;
  p: number;
}

/**
 * The OWASP Password Storage Cheat Sheet's scrypt cost: N=2^17, r=8, p=1 (128 MiB per hash).
 * SCRYPT_CONCURRENCY_MAX bounds how many run at once, so a login flood costs at most that many
 * times 128 MiB. Hashes carry their parameters, so hashes made at the old cost still verify.
 */
export const OWASP_SCRYPT: ScryptParams = { N: 131_072, r: 8, p: 1 };
/**
 * A cheap cost for test runs only (NODE_ENV=test, which vitest sets and daemons spawned by tests
 * inherit): hashing stays real, only faster.
 */
export const TEST_SCRYPT: ScryptParams = { N: 1024, r: 8, p: 1 };
export const DEFAULT_SCRYPT: ScryptParams = process.env.NODE_ENV === "test" ? TEST_SCRYPT : OWASP_SCRYPT;
const KEY_LENGTH_BYTES = 32;
const SALT_LENGTH_BYTES = 16;
/** Refuse stored parameters that would make a verification allocate more than this. */
const SCRYPT_MEMORY_MAX_BYTES = 256 * 1024 * 1024 + 1024 * 1024;

/**
 * scrypt runs on libuv's thread pool (4 threads), shared with file I/O. Hashes beyond this many
 * wait in a queue of at most SCRYPT_QUEUE_MAX; past that a login flood is refused (EAGAIN →
 * TOO_MANY_REQUESTS) instead of queueing unbounded work and memory.
 */
export const SCRYPT_CONCURRENCY_MAX = 2;
export const SCRYPT_QUEUE_MAX = 256;
let running = 0;
const waiting: Array<() => void> = [];

async function withHashSlot<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= SCRYPT_CONCURRENCY_MAX) {
    if (waiting.length >= SCRYPT_QUEUE_MAX)
      throw new FsError("EAGAIN", "too many password checks in progress");
    await new Promise<void>((resolve) => waiting.push(resolve));
  } else {
    running += 1;
  }
  try {
    return await fn();
  } finally {
    // Hand the slot straight to the next waiter, or free it.
    const next = waiting.shift();
    if (next !== undefined) next();
    else running -= 1;
  }
}

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  return withHashSlot(() => deriveNow(password, salt, params));
}

function deriveNow(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      password.normalize("NFC"),
      salt,
      KEY_LENGTH_BYTES,
      { N: params.N, r: params.r, p: params.p, maxmem: SCRYPT_MEMORY_MAX_BYTES },
      (err, key) => (err ? reject(err) : resolve(key)),
    );
  });
}

export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(SALT_LENGTH_BYTES);
  const key = await derive(password, salt, params);
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString("base64")}$${key.toString("base64")}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (![N, r, p].every((n) => Number.isSafeInteger(n) && n > 0)) return false;
  const salt = Buffer.from(parts[4]!, "base64");
  const expected = Buffer.from(parts[5]!, "base64");
  let key: Buffer;
  try {
    key = await derive(password, salt, { N, r, p });
  } catch {
    return false;
  }
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** MD4 of the UTF-16LE password: the NT one-way function of NTLM ([MS-NLMP] §3.3.1). */
export async function ntHash(password: string): Promise<Buffer> {
  return Buffer.from(await md4(Buffer.from(password, "utf16le")), "hex");
}
