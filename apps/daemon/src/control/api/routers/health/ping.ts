import { publicProcedure } from "../../trpc.ts";

/** Liveness for anyone: answers without touching the database. */
export const ping = publicProcedure.query(({ ctx }) => {
  const { version, node, startedAt, daemon } = ctx.runtime.info();
  return { ok: true as const, version, node, startedAt, daemon: { id: daemon.id, name: daemon.name } };
});
