import { MemoryBlockMap } from "./block-map.ts";
import { describeBlockMap } from "./block-map-conformance.ts";

describeBlockMap("memory", async () => new MemoryBlockMap());
