import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { NextConfig } from "next";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, "..", "..");

const config: NextConfig = {
  // The browser only ever talks to this origin; /api/trpc/* is forwarded to DAEMON_URL at run time.
  poweredByHeader: false,
  reactStrictMode: true,
  // Next ignores tsconfig customConditions: compile the shared package from its sources.
  transpilePackages: ["@dittofs/shared"],
  turbopack: {
    root: repoRoot,
    resolveAlias: { "@dittofs/shared": join(repoRoot, "packages/shared/src/index.ts") },
  },
  // The console typechecks with `tsc -p apps/console` (it reads daemon sources for the router
  // type, which other engineers change concurrently); the build itself only compiles.
  typescript: { ignoreBuildErrors: true },
};

export default config;
