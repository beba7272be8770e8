import { readProcedure } from "../../trpc.ts";

export const list = readProcedure.query(({ ctx }) => ctx.store.listShares());
