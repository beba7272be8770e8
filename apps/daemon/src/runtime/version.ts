/** The daemon's version, from apps/daemon/package.json (read once at import), and its runtime's. */
import { readFileSync } from "node:fs";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

export const DAEMON_VERSION: string = pkg.version;

/** The Node.js release running this process ("v24.22.3"): the project pins one (README "Runtime"). */
export const NODE_VERSION: string = process.version;

/** What `dfs --version` and `dfsctl --version` print. */
export const VERSION_LINE = `${DAEMON_VERSION} (Node.js ${NODE_VERSION})`;
