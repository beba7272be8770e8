import type { StoreKind } from "../../../store/types.ts";
import { readProcedure } from "../../trpc.ts";

export const listStores = (kind: StoreKind) => readProcedure.query(({ ctx }) => ctx.store.listStores(kind));
