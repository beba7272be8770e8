/** Types of pinned-runtime.mjs (plain JavaScript, so it runs before tsx's loader) for TypeScript importers. */
export declare const DAEMON_NODE_FLAGS: readonly string[];
export declare const DAEMON_ENV: Readonly<Record<string, string>>;
export declare function ensurePinnedRuntime(
  entry: string,
  flags?: readonly string[],
  env?: Readonly<Record<string, string>>,
): Promise<void>;
