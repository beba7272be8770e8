import { expect, it } from "vitest";
import { clientRecord, describeNfs4ClientStore } from "../../domain/testing/nfs4-client-store-conformance.ts";
import { DIALECTS, describeOnBothDatabases, storeHarness } from "../testing/control-store.ts";
import type { ControlStore } from "./control-store.ts";

for (const dialect of DIALECTS) {
  // One database per dialect, reopened as a restarted daemon would.
  const h = storeHarness(dialect);
  let store: ControlStore | null = null;
  describeNfs4ClientStore(
    `control store (${dialect})`,
    async () => {
      store = store === null ? await h.fresh() : await h.reopen(store);
      return store.nfs4Clients("daemon-a");
    },
    { reopen: true },
  );
}

describeOnBothDatabases("NFSv4 client records per daemon", (dialect) => {
  const h = storeHarness(dialect);

  it("keeps each daemon's records apart in one database", async () => {
    const store = await h.fresh();
    const a = store.nfs4Clients("daemon-a");
    const b = store.nfs4Clients("daemon-b");
    const r = clientRecord({ confirmed: true });
    await a.put(r);
    await b.put({ ...r, clientId: 99n });
    await b.remove(r.owner);
    expect(await a.list()).toEqual([r]);
    expect(await b.list()).toEqual([]);
  });
});
