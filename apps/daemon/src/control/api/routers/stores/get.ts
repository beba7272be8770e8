import { storeNameInput } from "@dittofs/shared";
import type { StoreKind } from "../../../store/types.ts";
import { readProcedure } from "../../trpc.ts";

export const getStore = (kind: StoreKind) =>
  readProcedure.input(storeNameInput).query(({ ctx, input }) => ctx.store.getStore(kind, input.name));
