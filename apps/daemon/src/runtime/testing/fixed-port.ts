/**
 * Ports for the suite's adapters, taken *below* the kernel's ephemeral range. A port from
 * `freePort()` lies inside that range, where any outgoing connection on the machine may take it
 * as its local port while an adapter is stopped; the next start on it then fails with
 * EADDRINUSE. Below the range only an explicit bind can take a port.
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:net";

/** Lowest port tried: above the well-known defaults (12049, 12445, 8080, 3000). */
const FIXED_PORT_MIN = 20_000;
/** Random picks before giving up (the range holds ~12,000 ports, nearly all free). */
const FIXED_PORT_TRIES = 64;

function ephemeralStart(): number {
  try {
    const first = Number(
      readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0],
    );
    return Number.isInteger(first) && first > FIXED_PORT_MIN + 1_000 ? first : 32_768;
  } catch {
    return 32_768;
  }
}

function tryListen(server: Server, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const failed = () => resolve(false);
    server.once("error", failed);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", failed);
      resolve(true);
    });
  });
}

/** Listens `server` on 127.0.0.1 at a free port below the ephemeral range and returns it. */
export async function listenBelowEphemeral(server: Server): Promise<number> {
  const span = ephemeralStart() - FIXED_PORT_MIN;
  for (let i = 0; i < FIXED_PORT_TRIES; i++) {
    const port = FIXED_PORT_MIN + Math.floor(Math.random() * span);
    if (await tryListen(server, port)) return port;
  }
  throw new Error(
    `no free port in ${FIXED_PORT_MIN}..${FIXED_PORT_MIN + span - 1} after ${FIXED_PORT_TRIES} tries`,
  );
}

/** A port below the ephemeral range that was free a moment ago (for an adapter row). */
export async function freeFixedPort(): Promise<number> {
  const probe = createServer();
  const port = await listenBelowEphemeral(probe);
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
