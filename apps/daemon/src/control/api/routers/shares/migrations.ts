import { readProcedure } from "../../trpc.ts";

/** Every migration the daemon knows: running, failed or cancelled this run, switched and unconfirmed. */
export const migrations = readProcedure.query(({ ctx }) => ctx.runtime.migrations());
