import type { StoreKind } from "../../../store/types.ts";
import { readProcedure } from "../../trpc.ts";
import { redactStore } from "./secrets.ts";

export const listStores = (kind: StoreKind) =>
  readProcedure.query(async ({ ctx }) => (await ctx.store.listStores(kind)).map(redactStore));
