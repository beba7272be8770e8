#!/usr/bin/env node
// Runs the TypeScript entry through tsx's loader (no build step): `npx dfs --help`.
import { register } from "tsx/esm/api";

register();
await import("../src/cli/dfs.ts");
