/**
 * Logon guessing against a daemon process (bench/hostile-daemon.ts, default scrypt cost): N wrong
 * SMB passwords for `admin` from 127.0.0.1 (a new connection each, as a guessing tool does), then
 * the right password from the same address (refused while backing off) and from 127.0.0.2 (must
 * work at once). Prints how many guesses reached the password check, the statuses, the guess rate
 * and the time the real admin's logon took.
 *
 *   npx tsx bench/logon.ts [--guesses 1000] [--tree DIR]
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { STATUS_LOGON_FAILURE } from "../apps/daemon/src/protocols/smb/ntstatus.ts";
import { SmbTestClient } from "../apps/daemon/src/protocols/smb/testing/smb-client.ts";
import { startDaemonProcess } from "./daemon-process.ts";

const PASSWORD = "hostile-Bench-pass1";
const { values } = parseArgs({
  options: {
    guesses: { type: "string", default: "1000" },
    tree: { type: "string", default: resolve(import.meta.dirname, "..") },
  },
});

const daemon = await startDaemonProcess(["--tree", values.tree!]);
try {
  const { smb } = daemon;
  const setup = async (password: string, from: string): Promise<number> => {
    const c = await SmbTestClient.connect(smb, from);
    try {
      await c.negotiate();
      return (await c.sessionSetup("admin", password)).status;
    } finally {
      c.close();
    }
  };
  const statuses = new Map<number, number>();
  const guesses = Number(values.guesses);
  const t0 = performance.now();
  for (let i = 0; i < guesses; i++) {
    const s = await setup(`wrong-${i}`, "127.0.0.1");
    statuses.set(s, (statuses.get(s) ?? 0) + 1);
  }
  const seconds = (performance.now() - t0) / 1000;
  const sameAddress = await setup(PASSWORD, "127.0.0.1");
  const t1 = performance.now();
  const elsewhere = await setup(PASSWORD, "127.0.0.2");
  const elsewhereMs = performance.now() - t1;
  const shown = [...statuses].map(([s, n]) => `0x${s.toString(16)}×${n}`).join(", ");
  console.log(
    `${guesses} wrong SMB passwords from 127.0.0.1 in ${seconds.toFixed(1)} s (${(guesses / seconds).toFixed(0)}/s): ` +
      `${statuses.get(STATUS_LOGON_FAILURE) ?? 0} reached the password check; statuses ${shown}`,
  );
  console.log(`right password from 127.0.0.1 right after: 0x${sameAddress.toString(16)}`);
  console.log(
    `right password from 127.0.0.2: 0x${elsewhere.toString(16)} in ${elsewhereMs.toFixed(0)} ms ` +
      `(${elsewhere === 0 ? "works" : "FAILED"})`,
  );
  if (elsewhere !== 0 || sameAddress === 0) process.exitCode = 1;
} finally {
  await daemon.stop();
}
