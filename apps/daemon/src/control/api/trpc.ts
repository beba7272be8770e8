/**
 * tRPC setup: superjson (Dates cross intact), the error formatter that adds `field`, and the
 * procedure builders every router file uses:
 *
 *   publicProcedure   anyone (auth.login, health.ping)
 *   sessionProcedure  any logged-in user, even one who must change their password (auth.*)
 *   authedProcedure   any logged-in user past a forced password change (system.info)
 *   readProcedure     admin or operator
 *   operateProcedure  admin or operator (adapter start/stop)
 *   adminProcedure    admin only
 *
 * Every procedure passes the error mapping (api/errors.ts) and, for mutations, the audit
 * middleware, which records actor, action (the procedure path), target and result — including
 * refused attempts.
 */

import { NAME_LENGTH_MAX } from "@dittofs/shared";
import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import type { Role } from "../store/types.ts";
import type { Context } from "./context.ts";
import { errorField, toTRPCError } from "./errors.ts";

/** What a non-admin sees of an unexpected failure; the log keeps the real one (http/trpc.ts). */
export const INTERNAL_ERROR_MESSAGE = "internal error (see the daemon log)";

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  // The production error shape whatever NODE_ENV says: no stack traces (they name source paths).
  isDev: false,
  errorFormatter({ shape, error, ctx }) {
    // An unexpected error's text can name files and internals; only an admin sees it.
    const internal = error.code === "INTERNAL_SERVER_ERROR" && ctx?.session?.user.role !== "admin";
    const message = internal ? INTERNAL_ERROR_MESSAGE : shape.message;
    return { ...shape, message, data: { ...shape.data, field: errorField(error.cause) } };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) throw toTRPCError(result.error);
  return result;
});

/** Input keys that name what a mutation acts on, in order of preference. */
const TARGET_KEYS = ["name", "username", "type"] as const;
/** Longest target/actor text copied from untrusted input into an audit row. */
const AUDIT_TEXT_MAX = 255;

function auditTarget(raw: unknown): string | null {
  if (typeof raw !== "object" || raw === null) return null;
  const input = raw as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of TARGET_KEYS) if (typeof input[key] === "string") parts.push(input[key] as string);
  for (const key of ["user", "group", "id"])
    if (typeof input[key] === "string") parts.push(`${key}:${input[key]}`);
  return parts.length === 0 ? null : parts.join(" ").slice(0, AUDIT_TEXT_MAX);
}

function auditActor(ctx: Context, path: string, raw: unknown): string {
  if (ctx.session !== null) return ctx.session.user.username;
  const claimed = (raw as { username?: unknown } | undefined)?.username;
  if (path === "auth.login" && typeof claimed === "string") return claimed.slice(0, NAME_LENGTH_MAX);
  return "anonymous";
}

/** Login refusals the logon throttle already records (aggregated) itself. */
const THROTTLE_AUDITED = new Set(["UNAUTHORIZED", "TOO_MANY_REQUESTS"]);

/**
 * One row per mutation, except refusals of callers without a session: anyone can repeat those at
 * will, so they go through the aggregating digest (runtime/audit-digest.ts) instead of flooding
 * the capped table.
 */
const audit = t.middleware(async ({ ctx, next, path, type, getRawInput }) => {
  if (type !== "mutation") return next();
  const result = await next();
  if (!result.ok && ctx.session === null && path === "auth.login" && THROTTLE_AUDITED.has(result.error.code))
    return result;
  const raw = await getRawInput().catch(() => undefined);
  const row = {
    actor: auditActor(ctx, path, raw),
    action: path,
    target: auditTarget(raw),
    result: result.ok ? ("ok" as const) : ("error" as const),
    detail: result.ok ? null : `${result.error.code}: ${result.error.message}`,
    address: ctx.ip,
  };
  if (result.ok || ctx.session !== null) await ctx.store.appendAudit(row);
  else await ctx.logons.refusal(`anon\u0000${path}\u0000${ctx.ip}`, { ...row, target: `address:${ctx.ip}` });
  return result;
});

// Audit outside the mapping, so a row records the error the client saw.
export const publicProcedure = t.procedure.use(audit).use(mapErrors);

const requireSession = (allowPendingPasswordChange: boolean) =>
  t.middleware(({ ctx, next }) => {
    if (ctx.session === null) throw new TRPCError({ code: "UNAUTHORIZED", message: "log in first" });
    if (!allowPendingPasswordChange && ctx.session.user.mustChangePassword) {
      throw new TRPCError({ code: "FORBIDDEN", message: "change your password first (auth.changePassword)" });
    }
    return next({ ctx: { session: ctx.session } });
  });

export const sessionProcedure = publicProcedure.use(requireSession(true));
export const authedProcedure = publicProcedure.use(requireSession(false));

function withRoles(roles: readonly Role[]) {
  return authedProcedure.use(({ ctx, next }) => {
    if (!roles.includes(ctx.session.user.role)) {
      throw new TRPCError({ code: "FORBIDDEN", message: `requires role ${roles.join(" or ")}` });
    }
    return next();
  });
}

export const readProcedure = withRoles(["admin", "operator"]);
export const operateProcedure = withRoles(["admin", "operator"]);
export const adminProcedure = withRoles(["admin"]);
