/**
 * Real protocol clients for the console suite: libnfs-utils (`nfs-cp`) and smbclient, run as
 * child processes against the daemon's bound ports on 127.0.0.1.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { connect } from "node:net";
import { promisify } from "node:util";

const run = promisify(execFile);
/** A client command that takes longer than this is stuck. */
const CLIENT_TIMEOUT_MS = 30_000;

export function nfsUrl(port: number, share: string, path: string, uid: number, gid: number): string {
  return `nfs://127.0.0.1${share}/${path}?version=3&nfsport=${port}&mountport=${port}&uid=${uid}&gid=${gid}`;
}

/** Lists a share's root with nfs-ls; resolves to the error text instead of throwing. */
export async function nfsList(port: number, share: string): Promise<{ ok: boolean; output: string }> {
  try {
    const r = await run("nfs-ls", [`nfs://127.0.0.1${share}?version=3&nfsport=${port}&mountport=${port}`], {
      timeout: CLIENT_TIMEOUT_MS,
    });
    return { ok: true, output: r.stdout };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${e.stdout ?? ""}${e.stderr ?? ""}${e.message}` };
  }
}

export async function nfsCopyIn(localFile: string, url: string): Promise<void> {
  await run("nfs-cp", [localFile, url], { timeout: CLIENT_TIMEOUT_MS });
}

/** A file's content read with nfs-cat (a whole-file READ stream, as a client would). */
export async function nfsRead(url: string, maxBytes: number): Promise<Buffer> {
  const r = await run("nfs-cat", [url], {
    timeout: CLIENT_TIMEOUT_MS,
    encoding: "buffer",
    maxBuffer: maxBytes,
  });
  return r.stdout;
}

export async function smbclient(
  port: number,
  share: string,
  user: string,
  password: string,
  commands: string,
  cwd: string,
) {
  return run(
    "smbclient",
    [
      `//127.0.0.1/${share.replace(/^\//, "")}`,
      "-p",
      String(port),
      "-U",
      `${user}%${password}`,
      "-c",
      commands,
    ],
    { timeout: CLIENT_TIMEOUT_MS, cwd },
  );
}

/**
 * An smbclient session left open, so the daemon lists it as a connected client: at its prompt, or
 * after running `commands` (smbclient runs piped commands only at end of input, so they go in
 * `-c`, and a last `notify` on the share root waits for changes until the process is killed).
 */
export function smbSession(
  port: number,
  share: string,
  user: string,
  password: string,
  commands?: string,
): ChildProcess {
  return spawn(
    "smbclient",
    [
      `//127.0.0.1/${share.replace(/^\//, "")}`,
      "-p",
      String(port),
      "-U",
      `${user}%${password}`,
      ...(commands === undefined ? [] : ["-c", `${commands}; notify \\`]),
    ],
    { stdio: ["pipe", "pipe", "pipe"] },
  );
}

/** Resolves "open" when a TCP connection to the port succeeds, or the error code (ECONNREFUSED). */
export function probe(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve("open");
    });
    socket.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}
