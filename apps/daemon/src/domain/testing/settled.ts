/**
 * Test support for the hot paths that answer with an already settled promise when nothing must
 * wait (domain/pending.ts): whether a call's promise settled without a microtask hop of its own.
 */

/** Whether `p` has settled by the time one microtask after this call runs. */
export async function settledInOneTick(p: Promise<unknown>): Promise<boolean> {
  let settled = false;
  p.then(
    () => (settled = true),
    () => (settled = true),
  );
  await null;
  return settled;
}
