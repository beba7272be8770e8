/** Shared between the daemon and the console: zod input schemas of the control-plane API. */
export * from "./control/identity.ts";
export * from "./control/primitives.ts";
export * from "./control/shares.ts";
export * from "./control/stores.ts";
export * from "./control/system.ts";
