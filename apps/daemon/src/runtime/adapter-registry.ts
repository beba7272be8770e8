/**
 * Protocol name → adapter factory. The Runtime looks adapters up here by the `type` of an adapter
 * row in the control plane; a type without a factory stays stopped with an error status.
 * Protocol engineers add one line each (`nfs: createNfsAdapter`, `smb: createSmbAdapter`).
 * Tests pass their own registry to the Runtime instead of touching this one.
 */

import type { AdapterFactory } from "../protocols/adapter.ts";
import { createNfsAdapter } from "../protocols/nfs/adapter.ts";
import { createSmbAdapter } from "../protocols/smb/adapter.ts";

export type AdapterRegistry = Readonly<Record<string, AdapterFactory>>;

export const adapterFactories: AdapterRegistry = {
  nfs: createNfsAdapter,
  smb: createSmbAdapter,
};
