/**
 * Hot paths answer with the value itself when it is already known (a synchronous store read, a
 * cached block) and with a promise only when they must wait: one async frame and microtask hop
 * less per GETATTR and READ.
 */

/** An answer still to come (a thenable: records and buffers have no `then`). */
export function isPending<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown } | undefined)?.then === "function";
}
