/** Types of pinned-runtime.mjs (plain JavaScript, so it runs before tsx's loader) for TypeScript importers. */
export declare const DAEMON_NODE_FLAGS: readonly string[];
export declare function ensurePinnedRuntime(entry: string, flags?: readonly string[]): Promise<void>;
