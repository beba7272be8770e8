/** Waiting for SIGTERM/SIGINT, the daemon's only way to be asked to stop. */

export const TERMINATION_SIGNALS = ["SIGTERM", "SIGINT"] as const;

/**
 * Resolves with the first SIGTERM/SIGINT (or when `signal` aborts). A second signal while the
 * graceful stop runs calls `onForce` (default: exit 130), for an operator who cannot wait.
 */
export function waitForTermination(
  opts: { signal?: AbortSignal; onForce?: () => void } = {},
): Promise<NodeJS.Signals | "abort"> {
  return new Promise((resolve) => {
    const force = opts.onForce ?? (() => process.exit(130));
    const onSignal = (name: NodeJS.Signals) => {
      for (const s of TERMINATION_SIGNALS) {
        process.off(s, onSignal);
        process.once(s, force);
      }
      resolve(name);
    };
    for (const s of TERMINATION_SIGNALS) process.on(s, onSignal);
    opts.signal?.addEventListener("abort", () => {
      for (const s of TERMINATION_SIGNALS) process.off(s, onSignal);
      resolve("abort");
    });
  });
}
