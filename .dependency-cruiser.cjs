/**
 * Import rules of apps/daemon/src (docs/architecture.md "Layers"), checked by
 * scripts/import-rules.test.ts in `npm test` and by `npm run deps`.
 *
 *   protocols -> files (file service) -> metadata / payload -> stores -> domain
 *
 * A layer imports only layers below it. The Runtime, control plane, HTTP server and CLI sit beside
 * the data path: the Runtime composes adapters and services, the control plane imports only the
 * domain. Test code (`*.test.ts`, `testing/` folders) may wire any layers together, so the layer
 * rules skip it; the cycle rule does not. The block-store and block-map conformance suites sit
 * beside their interface and import only what their layer may, so the rules check them.
 */
const SRC = "^apps/daemon/src/";
const TEST = "(\\.test\\.ts$|/testing/)";

/** Production modules of a folder (test code excluded). */
const prod = (path) => ({ path: `${SRC}${path}`, pathNot: TEST });
const to = (...paths) => ({ path: paths.map((p) => `${SRC}${p}`) });

const STORES = ["metadata/stores/", "payload/block-store/"];
const ABOVE_SERVICES = ["files/", "protocols/", "runtime/", "control/", "http/", "cli/", "daemon\\.ts$"];

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "apps/daemon/src has no import cycles, type-only ones included.",
      from: { path: SRC },
      to: { circular: true },
    },
    {
      name: "domain-imports-nothing",
      severity: "error",
      comment: "domain/ is the bottom: it imports only itself (and @dittofs/shared's enums).",
      from: prod("domain/"),
      to: { path: SRC, pathNot: `${SRC}domain/` },
    },
    {
      name: "stores-below-services",
      severity: "error",
      comment: "Stores are CRUD: no services, protocols, file service or control plane.",
      from: { path: STORES.map((p) => `${SRC}${p}`), pathNot: [TEST] },
      to: to(...ABOVE_SERVICES, "metadata/service\\.ts$", "payload/service\\.ts$"),
    },
    {
      name: "metadata-not-payload",
      severity: "error",
      comment: "MetadataService never reaches payload; the file service orders the two.",
      from: { path: `${SRC}metadata/`, pathNot: [TEST] },
      to: to("payload/"),
    },
    {
      name: "payload-not-metadata",
      severity: "error",
      comment: "PayloadService knows payload ids, not inodes or shares' metadata.",
      from: prod("payload/"),
      to: to("metadata/"),
    },
    {
      name: "services-below-file-service",
      severity: "error",
      from: prod("(metadata|payload)/"),
      to: to(...ABOVE_SERVICES),
    },
    {
      name: "file-service-below-protocols",
      severity: "error",
      from: prod("files/"),
      to: to("protocols/", "runtime/", "control/", "http/", "cli/", "daemon\\.ts$"),
    },
    {
      name: "protocols-below-runtime",
      severity: "error",
      comment: "Adapters get everything through AdapterContext (protocols/adapter.ts).",
      from: prod("protocols/"),
      to: to("runtime/", "control/", "http/", "cli/", "config/", "daemon\\.ts$"),
    },
    {
      name: "protocols-through-file-service",
      severity: "error",
      comment:
        "Protocols reach metadata and payload only through the file service; their types (types.ts, *-types.ts) are shared.",
      from: prod("protocols/"),
      to: {
        path: [`${SRC}metadata/`, `${SRC}payload/`],
        pathNot: [`${SRC}(metadata|payload)/[a-z-]*types\\.ts$`],
      },
    },
    {
      name: "nfs-not-smb",
      severity: "error",
      comment: "Protocols meet only in the file service.",
      from: prod("protocols/nfs/"),
      to: to("protocols/smb/"),
    },
    {
      name: "smb-not-nfs",
      severity: "error",
      from: prod("protocols/smb/"),
      to: to("protocols/nfs/"),
    },
    {
      name: "control-plane-beside-data-path",
      severity: "error",
      comment: "control/ defines RuntimeControl and the tRPC routers; the Runtime implements it.",
      from: prod("control/"),
      to: to("runtime/", "protocols/", "files/", "metadata/", "payload/", "http/", "cli/", "daemon\\.ts$"),
    },
    {
      name: "runtime-below-entrypoints",
      severity: "error",
      from: prod("runtime/"),
      to: to("http/", "cli/", "daemon\\.ts$"),
    },
    {
      name: "config-below-entrypoints",
      severity: "error",
      comment: "config/ validates every section (http.trustedProxies with the HTTP parser) but runs nothing.",
      from: prod("config/"),
      to: to("cli/", "daemon\\.ts$"),
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    doNotFollow: { path: "node_modules" },
    exclude: { path: "node_modules" },
    tsConfig: { fileName: "tsconfig.base.json" },
    enhancedResolveOptions: {
      extensions: [".ts", ".js"],
      conditionNames: ["import", "types", "default"],
    },
  },
};
