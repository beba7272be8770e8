import { storeNameInput } from "@dittofs/shared";
import type { StoreKind } from "../../../store/types.ts";
import { readProcedure } from "../../trpc.ts";

export const storeHealth = (kind: StoreKind) =>
  readProcedure.input(storeNameInput).query(({ ctx, input }) => ctx.runtime.storeHealth(kind, input.name));
