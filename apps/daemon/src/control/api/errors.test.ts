/**
 * The error table and formatter as a client sees them: a real tRPC client (superjson, httpLink)
 * over the fetch adapter, in process. `data.field` names the offending input field.
 */
import { createTRPCClient, httpLink, TRPCClientError } from "@trpc/client";
import { TRPCError } from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import superjson from "superjson";
import { beforeAll, describe, expect, it } from "vitest";
import { FsError } from "../../domain/errors.ts";
import { ControlError } from "../errors.ts";
import { ADMIN_PASSWORD, apiHarness } from "../testing/api.ts";
import { bearerToken, createContextFactory } from "./context.ts";
import { toTRPCError } from "./errors.ts";
import { type AppRouter, appRouter } from "./routers/_app.ts";

type Client = ReturnType<typeof createTRPCClient<AppRouter>>;

async function clientError(p: Promise<unknown>): Promise<TRPCClientError<AppRouter>> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TRPCClientError);
  return e as TRPCClientError<AppRouter>;
}

describe("error mapping over HTTP", () => {
  const fresh = apiHarness("sqlite");
  let client: Client;
  beforeAll(async () => {
    const api = await fresh();
    const contextFor = createContextFactory({ store: api.store, runtime: api.runtime, logons: api.logons });
    let token: string | null = null;
    const handle = (req: Request) =>
      fetchRequestHandler({
        endpoint: "/trpc",
        req,
        router: appRouter,
        createContext: () =>
          contextFor({ token: bearerToken(req.headers.get("authorization") ?? undefined), ip: "::1" }),
      });
    client = createTRPCClient<AppRouter>({
      links: [
        httpLink({
          url: "http://in-process/trpc",
          transformer: superjson,
          headers: () => (token === null ? {} : { authorization: `Bearer ${token}` }),
          fetch: (url, init) => handle(new Request(url, init as RequestInit)),
        }),
      ],
    });
    token = (await client.auth.login.mutate({ username: "admin", password: ADMIN_PASSWORD })).token;
  });

  it("CONFLICT names the field and maps to HTTP 409", async () => {
    const e = await clientError(
      client.users.create.mutate({ username: "admin", password: "password1", role: "user" }),
    );
    expect([e.data?.code, e.data?.httpStatus, e.data?.field, e.message]).toEqual([
      "CONFLICT",
      409,
      "username",
      "username admin already exists",
    ]);
  });

  it("IN_USE becomes PRECONDITION_FAILED (412) with the reason", async () => {
    const e = await clientError(client.stores.block.delete.mutate({ name: "default" }));
    expect([e.data?.code, e.data?.httpStatus, e.message]).toEqual([
      "PRECONDITION_FAILED",
      412,
      "block store default is used by share /export",
    ]);
  });

  it("zod errors become BAD_REQUEST with the field path", async () => {
    const e = await clientError(
      client.stores.block.create.mutate({ name: "b", type: "fs", config: { path: 3 } }),
    );
    expect([e.data?.code, e.data?.field, e.message]).toEqual([
      "BAD_REQUEST",
      "config.path",
      "config.path: Invalid input: expected string, received number",
    ]);
  });

  it("NOT_FOUND keeps its field; Dates survive the trip", async () => {
    const e = await clientError(
      client.shares.create.mutate({ name: "/n", metadataStore: "zzz", blockStore: "default" }),
    );
    expect([e.data?.code, e.data?.field]).toEqual(["NOT_FOUND", "metadataStore"]);
    expect((await client.users.get.query({ username: "admin" })).createdAt).toBeInstanceOf(Date);
  });

  it("maps every ControlError code and FsError errnos through one table", () => {
    const wrap = (cause: unknown) => toTRPCError(new TRPCError({ code: "INTERNAL_SERVER_ERROR", cause }));
    expect(wrap(new ControlError("INVALID", "x", "f")).code).toBe("BAD_REQUEST");
    expect(wrap(new ControlError("IN_USE", "x")).code).toBe("PRECONDITION_FAILED");
    expect(wrap(new FsError("ENOENT")).code).toBe("NOT_FOUND");
    expect(wrap(new FsError("EIO")).code).toBe("INTERNAL_SERVER_ERROR");
    expect(wrap(new Error("boom")).code).toBe("INTERNAL_SERVER_ERROR");
  });
});
