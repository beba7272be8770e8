/**
 * Writes as the NFS and SMB WRITE handlers make them (domain/buffer-pool.ts): the bytes arrive in
 * pooled memory, the handler vouches for the frame, and the receiver's reference goes when the
 * call ends; the payload cache's own references decide when the memory is reused.
 */
import { type BufferPool, release, vouch } from "../../domain/buffer-pool.ts";
import type { PayloadService, Stability } from "../types.ts";

export async function writeFrame(
  svc: PayloadService,
  pool: BufferPool,
  share: string,
  id: string,
  offset: number,
  data: Buffer,
  stability: Stability = "unstable",
): Promise<void> {
  const frame = pool.take(data.length);
  data.copy(frame);
  vouch(frame);
  try {
    await svc.writeAt(share, id, offset, frame, stability);
  } finally {
    release(frame);
  }
}
