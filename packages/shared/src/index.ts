/** Shared between the daemon and the console: enums and zod input schemas of the control-plane API. */

export * from "./control/adapter-limits.ts";
export * from "./control/identity.ts";
export * from "./control/nfs-versions.ts";
export * from "./control/primitives.ts";
export * from "./control/shares.ts";
export * from "./control/stores.ts";
export * from "./control/system.ts";
export * from "./domain/enums.ts";
