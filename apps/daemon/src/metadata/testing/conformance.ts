/**
 * The one conformance suite every metadata store runs (docs/architecture.md "Conventions"): `describeMetadataStore(name,
 * factory)` checks the store's CRUD contract directly and then the whole MetadataService over it —
 * every operation and error, link counts, rename edge cases, a 10,000-entry directory paged while
 * it changes, concurrent creates of one name, named attributes and stored ACLs, restart persistence (persistent stores) and a seeded
 * random sequence compared with the memory store as the model.
 */
import { describe } from "vitest";
import { aclServiceTests } from "./conformance/acl.ts";
import type { StoreFactory } from "./conformance/harness.ts";
import { modelTests } from "./conformance/model.ts";
import { namedAttrServiceTests, namedAttrStoreTests } from "./conformance/named-attrs.ts";
import { namespaceTests } from "./conformance/namespace.ts";
import { permissionTests } from "./conformance/permissions.ts";
import { persistenceTests } from "./conformance/persistence.ts";
import { readdirTests } from "./conformance/readdir.ts";
import { renameTests } from "./conformance/rename.ts";
import { storeCrudTests } from "./conformance/store-crud.ts";

export type { StoreFactory } from "./conformance/harness.ts";

export function describeMetadataStore(
  name: string,
  factory: StoreFactory,
  opts: { persistent: boolean },
): void {
  describe(`metadata store conformance: ${name}`, () => {
    describe("store CRUD", () => storeCrudTests(factory));
    describe("namespace", () => namespaceTests(factory));
    describe("rename", () => renameTests(factory));
    describe("permissions and attributes", () => permissionTests(factory));
    describe("readdir and concurrency", () => readdirTests(factory));
    describe("model", () => modelTests(factory));
    describe("named attributes (store)", () => namedAttrStoreTests(factory));
    describe("named attributes (service)", () => namedAttrServiceTests(factory, opts.persistent));
    describe("stored ACLs", () => aclServiceTests(factory, opts.persistent));
    if (opts.persistent) describe("restart persistence", () => persistenceTests(factory));
  });
}
