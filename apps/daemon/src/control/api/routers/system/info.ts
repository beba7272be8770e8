import { authedProcedure } from "../../trpc.ts";

/** Which daemon answers (id, name, host), its version, Node.js runtime and start time: for the console. */
export const info = authedProcedure.query(({ ctx }) => {
  const { version, node, startedAt, daemon } = ctx.runtime.info();
  return { version, node, startedAt, daemon };
});
