import { readProcedure } from "../../trpc.ts";
import { BUILT_IN_GROUPS } from "./delete.ts";

/** Every group; `builtIn` marks the first-start groups, which cannot be deleted. */
export const list = readProcedure.query(async ({ ctx }) =>
  (await ctx.store.listGroups()).map((g) => ({ ...g, builtIn: BUILT_IN_GROUPS.has(g.name) })),
);
