import { storeNameInput } from "@dittofs/shared";
import type { StoreKind } from "../../../store/types.ts";
import { readProcedure } from "../../trpc.ts";
import { redactStore } from "./secrets.ts";

export const getStore = (kind: StoreKind) =>
  readProcedure
    .input(storeNameInput)
    .query(async ({ ctx, input }) => redactStore(await ctx.store.getStore(kind, input.name)));
