import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeMetadataStore } from "../testing/conformance.ts";
import { SqliteMetadataStore } from "./sqlite.ts";

describeMetadataStore(
  "sqlite",
  async () => {
    const dir = mkdtempSync(join(tmpdir(), "dittofs-meta-"));
    return {
      persistent: true,
      open: async () => SqliteMetadataStore.open(join(dir, "metadata.sqlite")),
      destroy: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
  { persistent: true },
);
