import { testDatabaseUrl } from "../../../../../e2e/peers/test-db.ts";
import { describeMetadataStore } from "../conformance.ts";
import { PostgresMetadataStore } from "./postgres.ts";

describeMetadataStore(
  "postgres",
  async () => {
    const url = await testDatabaseUrl("meta");
    return {
      persistent: true,
      open: async () => PostgresMetadataStore.open(url),
      // Each fixture has its own database on the run's private cluster; it goes with the cluster.
      destroy: async () => {},
    };
  },
  { persistent: true },
);
