/**
 * Host and qemu guest taking turns through marker files in the 9p share (the kernel-client lock
 * and restart tests): the host waits for the guest's marker, failing with the guest's output if
 * its script ended first, or with its progress file if the marker never came.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** How long the host waits for a guest marker (the guest may be slow under TCG and load). */
const MARKER_WAIT_MS = 90_000;

/** Waits for the guest's marker `name`; `guestDone` returns the guest's output once its script ended. */
export async function marker(dir: string, name: string, guestDone: () => string | null): Promise<void> {
  const deadline = Date.now() + MARKER_WAIT_MS;
  while (!existsSync(join(dir, name))) {
    const ended = guestDone();
    if (ended !== null) throw new Error(`guest ended before ${name}:\n${ended}`);
    if (Date.now() > deadline) {
      const progress = existsSync(join(dir, "progress")) ? readFileSync(join(dir, "progress"), "utf8") : "";
      throw new Error(`guest never wrote ${name}; its progress:\n${progress}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
