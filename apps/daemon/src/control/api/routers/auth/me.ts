import { sessionProcedure } from "../../trpc.ts";

/** The logged-in user's own profile (allowed while a password change is pending). */
export const me = sessionProcedure.query(async ({ ctx }) => ctx.store.getUser(ctx.session.user.username));
