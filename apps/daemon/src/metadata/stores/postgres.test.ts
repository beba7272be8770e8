import { describeMetadataStore } from "../testing/conformance.ts";
import { freshSchemaUrl } from "../testing/postgres-fixture.ts";
import { PostgresMetadataStore } from "./postgres.ts";

describeMetadataStore(
  "postgres",
  async () => {
    const url = await freshSchemaUrl();
    return {
      persistent: true,
      open: async () => PostgresMetadataStore.open(url),
      // Each fixture has its own schema on the run's private cluster; it goes with the cluster.
      destroy: async () => {},
    };
  },
  { persistent: true },
);
