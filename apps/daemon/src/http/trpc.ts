/**
 * `/trpc/*`: the control-plane router over tRPC's standalone Node adapter. The context comes from
 * `Authorization: Bearer <token>` and the peer address; subscriptions (metrics.live) are served as
 * SSE by the same handler.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import type { Logger } from "pino";
import { bearerToken, createContextFactory } from "../control/api/context.ts";
import { appRouter } from "../control/api/routers/_app.ts";
import type { RuntimeControl } from "../control/runtime-control.ts";
import type { ControlStore } from "../control/store/control-store.ts";
import type { LogonGate } from "../domain/logon.ts";
import { clientAddress, type TrustedProxies } from "./client-address.ts";

/** Largest API request body; the biggest legitimate input (a store config) is a few KiB. */
export const API_BODY_BYTES_MAX = 1024 * 1024;

export function createTrpcHandler(deps: {
  store: ControlStore;
  runtime: RuntimeControl;
  logger: Logger;
  logons: LogonGate;
  /** Peers whose X-Forwarded-For is believed (config `http.trustedProxies`). */
  trustedProxies: TrustedProxies;
}): (req: IncomingMessage, res: ServerResponse) => void {
  const makeContext = createContextFactory({ store: deps.store, runtime: deps.runtime, logons: deps.logons });
  return createHTTPHandler({
    router: appRouter,
    basePath: "/trpc/",
    maxBodySize: API_BODY_BYTES_MAX,
    createContext: ({ req }) =>
      makeContext({
        token: bearerToken(req.headers.authorization),
        ip: clientAddress(req, deps.trustedProxies),
      }),
    onError: ({ error, path }) => {
      if (error.code === "INTERNAL_SERVER_ERROR")
        deps.logger.error({ err: error.cause ?? error, path }, "api error");
    },
  });
}
