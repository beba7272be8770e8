/**
 * NFSv4.1 locks from the Linux kernel client (qemu guest of e2e/clients) against DittoFS, with an
 * SMB client on the same file service (issue 14 "Locks"). Two guest processes conflict through
 * flock (which the Linux client sends over NFSv4 as whole-file LOCKs) and through fcntl F_SETLK
 * byte ranges; a range the guest holds over v4.1 refuses an overlapping SMB byte-range lock (and
 * not a disjoint one), and an SMB lock refuses the guest's. Each lock attempt is one run of
 * guest-lock.c, compiled statically here (the busybox guest has neither a flock applet nor a
 * libc). The guest and the host take turns through marker files in the 9p share: no sleeps
 * stand in for ordering.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProtocolAdapter } from "../../apps/daemon/src/protocols/adapter.ts";
import { createNfsAdapter } from "../../apps/daemon/src/protocols/nfs/adapter.ts";
import * as C from "../../apps/daemon/src/protocols/smb/constants.ts";
import * as S from "../../apps/daemon/src/protocols/smb/ntstatus.ts";
import { closeBody, lockBody, open } from "../../apps/daemon/src/protocols/smb/testing/bodies.ts";
import { useSmbHarness } from "../../apps/daemon/src/protocols/smb/testing/fixture.ts";
import type { FileId } from "../../apps/daemon/src/protocols/smb/testing/smb-client.ts";
import { type GuestSession, startGuest } from "../clients/guest-session.ts";
import { marker } from "./guest-turns.ts";

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const X_NOW = C.SMB2_LOCKFLAG_EXCLUSIVE_LOCK | C.SMB2_LOCKFLAG_FAIL_IMMEDIATELY;

/**
 * Busybox sh helpers. `try NAME KIND MODE FILE START LEN` prints "NAME:got" or "NAME:denied" for
 * one non-blocking attempt from a fresh process (a lock owner of its own). `hold NAME ...` takes
 * the lock in a background process that creates DIR/NAME-held and keeps it until DIR/NAME-release
 * exists (DIR is /tmp for the guest's own turns, /share where the host takes part). A host that
 * fails midway writes /share/abort so the guest's waits end at once.
 */
const HELPERS = `L=/share/guest-lock
waitfor() { n=0; while [ ! -e "$1" ]; do [ ! -e /share/abort ] || exit 93; n=$((n+1)); [ $n -lt 900 ] || { echo "no $1"; exit 91; }; sleep 0.1; done; }
try() { n=$1; shift; r=$($L "$@") || { echo "$n:error $r"; exit 92; }; echo "$n:$r"; }
hold() { d=$1; n=$2; shift 2; ( r=$($L "$@" "$d/$n-held" "$d/$n-release"); echo "$n:$r" ) & waitfor "$d/$n-held"; }`;

describe("kernel NFSv4.1 locks against DittoFS, with SMB on the same files", () => {
  const smb = useSmbHarness();
  let nfs: ProtocolAdapter;
  let shareDir: string;
  let guest: GuestSession;

  beforeAll(async () => {
    shareDir = mkdtempSync(join(tmpdir(), "dittofs-v4-locks-"));
    nfs = createNfsAdapter({ host: "127.0.0.1", port: 0 }, smb.h.ctx);
    await nfs.serve();
    const compiled = run("gcc", [
      "-static",
      "-O2",
      "-o",
      join(shareDir, "guest-lock"),
      join(here, "guest-lock.c"),
    ]);
    guest = await startGuest({ shareDir });
    await compiled;
  });

  afterAll(async () => {
    await guest?.stop();
    await nfs?.stop();
    if (shareDir !== undefined) rmSync(shareDir, { recursive: true, force: true });
  });

  it("flock and fcntl conflict between two guest processes, and v4.1 and SMB locks refuse each other", async () => {
    const script = `${HELPERS}
mkdir -p /mnt/v4 /mnt/v4b
exec 2>>/share/progress
mount -t nfs -o vers=4.1,port=${nfs.port} 10.0.2.2:/export /mnt/v4 || exit 90
# A second mount with its own inodes: the Linux client also checks a lock against its local lock
# table, so contenders on the same inode would be refused without asking the server. Through B
# only the server's conflict check can refuse them.
mount -t nfs -o vers=4.1,nosharecache,port=${nfs.port} 10.0.2.2:/export /mnt/v4b || exit 90
B=/mnt/v4b
cd /mnt/v4
echo data > lk
echo data > lk2
# The SMB user is not the guest's root: let it open lk2 for writing (and so lock it).
chmod 666 lk lk2
# flock between two guest processes (the second through B): exclusive, then shared, against a
# held exclusive flock.
hold /tmp FA flock x lk 0 0
try FB flock x $B/lk 0 0
try FB-shared flock s $B/lk 0 0
touch /tmp/FA-release; wait
try FC flock x lk 0 0
# fcntl F_SETLK byte ranges: PA holds bytes 0..99; overlapping attempts fail, a disjoint one not.
hold /tmp PA posix x lk 0 100
try PB posix x $B/lk 50 10
try PB-read posix s $B/lk 0 1
try PB-beyond posix x $B/lk 100 10
touch /tmp/PA-release; wait
try PC posix x lk 0 100
# v4.1 → SMB: GA holds bytes 0..99 of lk2 until the host has tried its SMB locks.
hold /share GA posix x lk2 0 100
wait
touch /share/ga-done
# SMB → v4.1: the host's SMB lock on byte 10 of lk2 refuses the guest's overlapping locks.
waitfor /share/smb-locked
try GD posix x $B/lk2 0 100
try GD-flock flock x $B/lk2 0 0
try GD-beyond posix x $B/lk2 20 10
touch /share/gd-tried
waitfor /share/smb-unlocked
try GE posix x lk2 0 100
cd /
umount /mnt/v4 /mnt/v4b
`;
    let ended: string | null = null;
    const running = guest.run(script, { timeoutMs: 240_000 });
    running.then(
      (r) => {
        ended = `exit ${r.exitCode}\n${r.output}`;
      },
      (e: unknown) => {
        ended = String(e);
      },
    );
    const done = () => ended;
    const c = await smb.login();
    const smbLock = (f: FileId, offset: bigint, flags: number) =>
      c.send(C.SMB2_LOCK, lockBody(f, [{ offset, length: 1n, flags }]));
    /** The host's side of the turns; on a failure the guest is told to stop waiting. */
    const hostTurns = async () => {
      await marker(shareDir, "GA-held", done);
      const g = await open(c, "lk2");
      const refused = await smbLock(g, 10n, X_NOW);
      const disjoint = await smbLock(g, 200n, X_NOW);
      const disjointUnlocked = await smbLock(g, 200n, C.SMB2_LOCKFLAG_UNLOCK);
      writeFileSync(join(shareDir, "GA-release"), "");
      await marker(shareDir, "ga-done", done);
      const taken = await smbLock(g, 10n, X_NOW);
      writeFileSync(join(shareDir, "smb-locked"), "");
      await marker(shareDir, "gd-tried", done);
      const unlocked = await smbLock(g, 10n, C.SMB2_LOCKFLAG_UNLOCK);
      writeFileSync(join(shareDir, "smb-unlocked"), "");
      await c.send(C.SMB2_CLOSE, closeBody(g));
      return [refused.status, disjoint.status, disjointUnlocked.status, taken.status, unlocked.status];
    };
    let statuses: number[];
    try {
      statuses = await hostTurns();
    } catch (e) {
      for (const m of ["abort", "GA-release"]) writeFileSync(join(shareDir, m), "");
      await running.catch(() => undefined);
      throw e;
    }
    const out = await running;
    console.log(out.output);
    expect(out.exitCode).toBe(0);
    // The SMB lock overlapping the guest's range is refused; the disjoint one and, after the
    // guest released, the overlapping one are granted and unlocked.
    expect(statuses).toEqual([S.STATUS_LOCK_NOT_GRANTED, 0, 0, 0, 0]);
    const lines = out.output.split("\n").filter((l) => /^[A-Z]+(-[a-z]+)?:/.test(l));
    expect(lines).toEqual([
      "FB:denied",
      "FB-shared:denied",
      "FA:got",
      "FC:got",
      "PB:denied",
      "PB-read:denied",
      "PB-beyond:got",
      "PA:got",
      "PC:got",
      "GA:got",
      "GD:denied",
      "GD-flock:denied",
      "GD-beyond:got",
      "GE:got",
    ]);
  });
});
