/**
 * AES-128-CMAC (RFC 4493), used for SMB 3.x signing ([MS-SMB2] §3.1.4.1). Node has AES but no
 * CMAC, so the MAC is CBC over the message with the last block whitened by subkey K1 or K2.
 */
import { createCipheriv } from "node:crypto";

const BLOCK = 16;
const RB = 0x87;

function shiftLeft(b: Buffer): Buffer {
  const out = Buffer.alloc(BLOCK);
  for (let i = 0; i < BLOCK; i++) out[i] = ((b[i]! << 1) | (i + 1 < BLOCK ? b[i + 1]! >> 7 : 0)) & 0xff;
  if (b[0]! & 0x80) out[BLOCK - 1] = out[BLOCK - 1]! ^ RB;
  return out;
}

function subkeys(key: Buffer): { k1: Buffer; k2: Buffer } {
  const ecb = createCipheriv("aes-128-ecb", key, null);
  ecb.setAutoPadding(false);
  const l = ecb.update(Buffer.alloc(BLOCK));
  const k1 = shiftLeft(l);
  return { k1, k2: shiftLeft(k1) };
}

/** CMAC of the concatenation of `parts` (no copy of the bulk data beyond the cipher's output). */
export function aesCmac(key: Buffer, parts: readonly Buffer[]): Buffer {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const complete = total > 0 && total % BLOCK === 0;
  const lastLen = total === 0 ? 0 : complete ? BLOCK : total % BLOCK;
  const prefixLen = total - lastLen;
  const cbc = createCipheriv("aes-128-cbc", key, Buffer.alloc(BLOCK));
  cbc.setAutoPadding(false);
  const last = Buffer.alloc(BLOCK);
  let seen = 0;
  let lastFill = 0;
  let tail: Buffer = Buffer.alloc(0);
  for (const p of parts) {
    const inPrefix = Math.max(0, Math.min(p.length, prefixLen - seen));
    if (inPrefix > 0) {
      const out = cbc.update(p.subarray(0, inPrefix));
      if (out.length > 0) tail = out;
    }
    const rest = p.subarray(inPrefix);
    rest.copy(last, lastFill);
    lastFill += rest.length;
    seen += p.length;
  }
  const { k1, k2 } = subkeys(key);
  if (!complete) last[lastLen] = 0x80;
  const k = complete ? k1 : k2;
  for (let i = 0; i < BLOCK; i++) last[i] = last[i]! ^ k[i]!;
  const out = cbc.update(last);
  tail = out.length > 0 ? out : tail;
  return Buffer.from(tail.subarray(tail.length - BLOCK));
}
