import { readProcedure } from "../../trpc.ts";

export const get = readProcedure.query(({ ctx }) => ctx.store.getSettings());
