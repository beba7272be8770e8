import { authedProcedure } from "../../trpc.ts";

/** Which daemon answers (id, name, host), its version and start time: for the console header. */
export const info = authedProcedure.query(({ ctx }) => {
  const { version, startedAt, daemon } = ctx.runtime.info();
  return { version, startedAt, daemon };
});
