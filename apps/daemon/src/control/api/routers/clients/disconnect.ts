import { clientIdInput } from "@dittofs/shared";
import { ControlError, notFound } from "../../../errors.ts";
import { adminProcedure } from "../../trpc.ts";

/**
 * Closes a connected client's connection (an SMB session: its opens are closed as on a network
 * drop). An NFS mount has no connection of its own to close (NFSv3 is stateless), so it is refused.
 */
export const disconnect = adminProcedure.input(clientIdInput).mutation(({ ctx, input }) => {
  const outcome = ctx.runtime.disconnectClient(input.id);
  if (outcome === "gone") throw notFound("client", input.id, "id");
  if (outcome === "unsupported")
    throw new ControlError("INVALID", "an NFS client has no session to disconnect", "id");
  return { ok: true as const };
});
