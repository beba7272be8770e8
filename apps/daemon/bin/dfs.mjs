#!/usr/bin/env node
// Runs the TypeScript entry through tsx's loader (no build step): `npx dfs --help`.
import { DAEMON_ENV, DAEMON_NODE_FLAGS, ensurePinnedRuntime } from "./pinned-runtime.mjs";

await ensurePinnedRuntime(import.meta.filename, DAEMON_NODE_FLAGS, DAEMON_ENV);
const { register } = await import("tsx/esm/api");
register();
await import("../src/cli/dfs.ts");
