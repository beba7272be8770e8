/** What MOUNT procedures run against: the adapter context and the mount table. */
import type { AdapterContext } from "../../../adapter.ts";
import type { MountTable } from "../mount-table.ts";

export interface MountEnv {
  ctx: AdapterContext;
  mounts: MountTable;
}

export const noArgs = (): null => null;
export const noResult = (): void => {};
