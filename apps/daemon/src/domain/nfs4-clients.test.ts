import { MemoryNfs4ClientStore } from "./nfs4-clients.ts";
import { describeNfs4ClientStore } from "./testing/nfs4-client-store-conformance.ts";

describeNfs4ClientStore("memory", async () => new MemoryNfs4ClientStore(), { reopen: false });
