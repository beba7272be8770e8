/** The daemon's version, from apps/daemon/package.json (read once at import). */
import { readFileSync } from "node:fs";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

export const DAEMON_VERSION: string = pkg.version;
