/**
 * The commented dittofs.yaml that `dfs init` writes. Every key is shown with its default; the
 * declared stores/shares are commented out because the first start already creates `/export`.
 */
import { SQUASH_MODES } from "../domain/share.ts";
import { STORE_HEALTH_TIMEOUT_MS, STORE_OPEN_TIMEOUT_MS } from "../runtime/bounded.ts";
import { DEFAULT_CACHE_SIZE, DEFAULT_HTTP_LISTEN, DEFAULT_TRANSFER_CONCURRENCY } from "./schema.ts";

export function configTemplate(opts: { dataDir?: string } = {}): string {
  return `# DittoFS daemon configuration (dfs start --config dittofs.yaml).
# Every key can be overridden by an environment variable (DITTOFS_*), shown next to it.
# Users, groups, shares and adapters live in the control-plane database; manage them with
# dfsctl or the console. Relative paths are relative to this file.

# Where DittoFS keeps its databases, WAL and local blocks.            DITTOFS_DATA_DIR
dataDir: ${opts.dataDir ?? "./data"}

# Which daemon this is when several serve the same shares: shown in /health, on every metric
# (label daemon=...), in the API and the console. Default: <hostname>-<id>, the id being made
# once and kept in <dataDir>/daemon-id.                               DITTOFS_DAEMON_NAME
# daemon:
#   name: edge-a

# Control-plane database: SQLite file (default: <dataDir>/control.db) or PostgreSQL.
#                                                                     DITTOFS_DATABASE_URL
# database:
#   sqlite: ./data/control.db
#   # postgres: postgres://dittofs:secret@127.0.0.1:5432/dittofs

http:
  # HTTP API (tRPC at /trpc, /health, /metrics). Port 0 picks a free port.
  #                                                                   DITTOFS_HTTP_LISTEN
  listen: ${DEFAULT_HTTP_LISTEN}

logging:
  level: info      # trace | debug | info | warn | error | fatal | silent   DITTOFS_LOG_LEVEL
  format: json     # json | pretty                                     DITTOFS_LOG_FORMAT

cache:
  # Memory for file content (dirty data waits here for upload). B, KiB, MiB, GiB, or MB, GB.
  size: ${DEFAULT_CACHE_SIZE}    #                                            DITTOFS_CACHE_SIZE

memory:
  # The daemon's memory budget: the resident set it stays near. Connections get what the
  # process (about 192MiB at rest) and the cache leave; at least 192MiB + cache.size + 64MiB.
  # Default: 192MiB + cache.size + 1/16 of the machine's memory (64MiB to 1GiB).
  # budget: 1GiB                                                      DITTOFS_MEMORY_BUDGET

wal:
  # Write-ahead log directory (default: <dataDir>/wal); \`false\` runs without a WAL (unsafe).
  # dir: ./data/wal                                                   DITTOFS_WAL_DIR

transfer:
  # Parallel block uploads/downloads to the block stores.            DITTOFS_TRANSFER_CONCURRENCY
  concurrency: ${DEFAULT_TRANSFER_CONCURRENCY}

timeouts:
  # How long opening a metadata or block store may take before the change (or start) fails,
  # and how long one store health probe (/health/ready) may take before it counts as failed.
  # Milliseconds, 1 to 3600000.
  storeOpenMs: ${STORE_OPEN_TIMEOUT_MS}       #                               DITTOFS_STORE_OPEN_TIMEOUT_MS
  storeHealthMs: ${STORE_HEALTH_TIMEOUT_MS}      #                              DITTOFS_STORE_HEALTH_TIMEOUT_MS

# Stores and shares declared here are created at every start if missing (never deleted).
# stores:
#   metadata:
#     - name: fast
#       type: memory            # memory | sqlite | postgres (path: / url:)
#   block:
#     - name: archive
#       type: s3                # memory | fs (path:) | s3
#       bucket: dittofs-blocks
#       region: us-east-1
#       endpoint: http://127.0.0.1:9000
# shares:
#   - name: /archive
#     metadataStore: fast
#     blockStore: archive
#     readOnly: false
#     squash: root_squash       # ${SQUASH_MODES.join(" | ")}
#     anonUid: 65534
#     anonGid: 65534
#     nfs: true
#     smb: true
`;
}
