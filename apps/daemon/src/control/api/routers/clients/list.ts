import { readProcedure } from "../../trpc.ts";

/** Connected NFS/SMB clients (live state, not stored). */
export const list = readProcedure.query(({ ctx }) => ctx.runtime.listClients());
