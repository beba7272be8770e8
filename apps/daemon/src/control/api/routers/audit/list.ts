import { auditListInput } from "@dittofs/shared";
import { readProcedure } from "../../trpc.ts";

/** Newest first; pass `nextCursor` back as `cursor` for the next page. */
export const list = readProcedure
  .input(auditListInput)
  .query(({ ctx, input }) => ctx.store.listAudit(input ?? {}));
