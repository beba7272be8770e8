#!/usr/bin/env node
// Runs the TypeScript entry through tsx's loader (no build step): `npx dfs --help`.
import { ensurePinnedRuntime } from "./pinned-runtime.mjs";

await ensurePinnedRuntime(import.meta.filename);
const { register } = await import("tsx/esm/api");
register();
await import("../src/cli/dfs.ts");
