import { afterAll } from "vitest";
import { describeBlockMap } from "../../payload/shared/block-map-conformance.ts";
import { freshSchemaUrl } from "../testing/postgres-fixture.ts";
import { PostgresMetadataStore } from "./postgres.ts";

const opened: PostgresMetadataStore[] = [];
afterAll(async () => {
  for (const s of opened.splice(0)) await s.close();
});

describeBlockMap("postgres", async () => {
  const store = await PostgresMetadataStore.open(await freshSchemaUrl());
  opened.push(store);
  return store.sharedContent;
});
