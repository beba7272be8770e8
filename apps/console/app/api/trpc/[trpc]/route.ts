/**
 * Same-origin tRPC endpoint for the browser: forwards /api/trpc/<path> to the daemon's /trpc/<path>
 * (DAEMON_URL read per request, so the daemon can stay on 127.0.0.1), turning the session cookie
 * into `Authorization: Bearer`. Bodies stream both ways, so SSE subscriptions arrive unbuffered.
 */
import type { NextRequest } from "next/server";
import { daemonUrl, forwardedFor, SESSION_COOKIE } from "@/lib/daemon-url";

export const dynamic = "force-dynamic";

/**
 * Request headers worth passing on; everything else (cookies above all, and Forwarded/X-Real-IP a
 * browser could forge) stays here. X-Forwarded-For only when trusted (forwardedFor).
 */
const FORWARDED_REQUEST_HEADERS = ["content-type", "accept", "trpc-accept", "last-event-id", "user-agent"];
/** Response headers the browser needs; hop-by-hop and encoding headers are recomputed by Next. */
const FORWARDED_RESPONSE_HEADERS = ["content-type", "cache-control", "trpc-accept", "vary"];

async function forward(req: NextRequest, ctx: { params: Promise<{ trpc: string }> }): Promise<Response> {
  const { trpc } = await ctx.params;
  const target = `${daemonUrl()}/trpc/${encodeURIComponent(trpc).replace(/%2C/gi, ",")}${req.nextUrl.search}`;
  const headers = new Headers();
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = req.headers.get(name);
    if (value !== null) headers.set(name, value);
  }
  const token = req.cookies.get(SESSION_COOKIE)?.value;
  if (token !== undefined && token !== "") headers.set("authorization", `Bearer ${token}`);
  const xff = forwardedFor(req.headers);
  if (xff !== null) headers.set("x-forwarded-for", xff);

  let upstream: Response;
  try {
    upstream = await fetch(target, {
      method: req.method,
      headers,
      body: req.method === "GET" || req.method === "HEAD" ? undefined : await req.arrayBuffer(),
      signal: req.signal,
      cache: "no-store",
      redirect: "manual",
    });
  } catch (err) {
    if (req.signal.aborted) return new Response(null, { status: 499 });
    return unreachable(req, trpc, err as Error);
  }
  const out = new Headers();
  for (const name of FORWARDED_RESPONSE_HEADERS) {
    const value = upstream.headers.get(name);
    if (value !== null) out.set(name, value);
  }
  if (out.get("content-type")?.startsWith("text/event-stream")) {
    // Tell any proxy in front of Next not to buffer the stream.
    out.set("x-accel-buffering", "no");
    out.set("cache-control", "no-cache, no-transform");
  }
  return new Response(upstream.body, { status: upstream.status, headers: out });
}

/** A tRPC-shaped error (one per batched call) so the client shows a readable message. */
function unreachable(req: NextRequest, paths: string, err: Error): Response {
  const message = `The daemon at ${daemonUrl()} is unreachable (${err.message}).`;
  const one = {
    error: { json: { message, code: -32603, data: { code: "INTERNAL_SERVER_ERROR", httpStatus: 502 } } },
  };
  const batched = req.nextUrl.searchParams.get("batch") === "1";
  const body = batched ? paths.split(",").map(() => one) : one;
  return Response.json(body, { status: 502 });
}

export const GET = forward;
export const POST = forward;
