import { describeMetadataStore } from "../testing/conformance.ts";
import { MemoryMetadataStore } from "./memory.ts";

describeMetadataStore(
  "memory",
  async () => {
    let store: MemoryMetadataStore | null = null;
    return {
      persistent: false,
      // Memory keeps nothing across a close: each open is a new, empty store.
      open: async () => {
        store = new MemoryMetadataStore();
        return store;
      },
      destroy: async () => {
        store = null;
      },
    };
  },
  { persistent: false },
);
