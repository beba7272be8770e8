import { describeBlockStore } from "./conformance.ts";
import { MemoryBlockStore } from "./memory.ts";

describeBlockStore("memory", async () => ({ store: new MemoryBlockStore() }));
