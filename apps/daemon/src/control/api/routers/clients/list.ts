import { readProcedure } from "../../trpc.ts";

/**
 * Connected NFS/SMB clients (live state, not stored), each with the daemon it is connected to:
 * with several daemons behind one address, this is the one that answered.
 */
export const list = readProcedure.query(({ ctx }) => {
  const daemon = ctx.runtime.info().daemon.name;
  return ctx.runtime.listClients().map((client) => ({ ...client, daemon }));
});
