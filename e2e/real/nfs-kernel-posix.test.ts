/**
 * POSIX ownership and permission behaviour through the Linux kernel NFSv3, NFSv4.1 and NFSv4.0
 * clients (the qemu guest of e2e/clients, one boot for all) against DittoFS on persistent stores,
 * as the pjdfstest chown and permission cases probe it (issue 17: 19 chown/07 failures over a
 * kernel mount; issue 14: the same checks over v4). Over v4 the O_TRUNC rewrite is a SETATTR of
 * the size with the open stateid, and a write to a file created 0444 goes through its stateid.
 * The kernel client checks none of this itself: every answer below is the server's SETATTR/
 * ACCESS/CREATE/OPEN decision for the AUTH_SYS credentials of the calling process (over v4 owners
 * cross the wire as numeric strings: the guest has no idmapper). Users run through busybox `su`
 * with a private /etc/passwd and /etc/group in the guest:
 *   u65534 (65534) owns the files; u65533 (65533) is anyone else; u1000 (1000, also in group 2000).
 * chown(2) (POSIX.1-2017): only root changes the owner; the owner may set the group to one of its
 * groups; anyone else gets EPERM, a call naming the file's current owner and group included.
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NfsServer, startNfsServer } from "../../apps/daemon/src/protocols/nfs/testing/server.ts";
import { type GuestSession, startGuest } from "../clients/guest-session.ts";
import { nfsScript } from "../clients/mount.ts";

/** Guest users and the helpers the checks use (`as USER CMD…`, `refused`, `allowed`). */
const PRELUDE = `
mkdir -p /etc
printf '%s\\n' 'root:x:0:0::/root:/bin/sh' 'u65534:x:65534:65534::/tmp:/bin/sh' \\
  'u65533:x:65533:65533::/tmp:/bin/sh' 'u1000:x:1000:1000::/tmp:/bin/sh' > /etc/passwd
printf '%s\\n' 'root:x:0:' 'g65534:x:65534:' 'g65533:x:65533:' 'g1000:x:1000:' 'g2000:x:2000:u1000' > /etc/group
fails=0
as() { u=$1; shift; su -s /bin/sh "$u" -c "$*" 2>&1; }
# refused WHAT USER CMD: CMD as USER must fail with EPERM ("Operation not permitted").
refused() {
  what=$1; shift
  if out=$(as "$@"); then echo "FAIL $what: allowed"; fails=$((fails + 1));
  else case "$out" in
    *"Operation not permitted"*) echo "ok $what";;
    *) echo "FAIL $what: $out"; fails=$((fails + 1));;
  esac; fi
}
# denied WHAT USER CMD: CMD as USER must fail with EACCES ("Permission denied").
denied() {
  what=$1; shift
  if out=$(as "$@"); then echo "FAIL $what: allowed"; fails=$((fails + 1));
  else case "$out" in
    *"Permission denied"*) echo "ok $what";;
    *) echo "FAIL $what: $out"; fails=$((fails + 1));;
  esac; fi
}
# content_is WHAT PATH TEXT
content_is() {
  got=$(cat "$2")
  if [ "$got" = "$3" ]; then echo "ok $1"; else echo "FAIL $1: $got, wanted $3"; fails=$((fails + 1)); fi
}
# allowed WHAT USER CMD: CMD as USER must succeed.
allowed() {
  what=$1; shift
  if out=$(as "$@"); then echo "ok $what"; else echo "FAIL $what: $out"; fails=$((fails + 1)); fi
}
# owner_is WHAT PATH UID:GID (lstat)
owner_is() {
  got=$(stat -c %u:%g "$2")
  if [ "$got" = "$3" ]; then echo "ok $1"; else echo "FAIL $1: $got, wanted $3"; fails=$((fails + 1)); fi
}
`;

/** chown/07-style checks on every file type under a directory of u65534 (run as root in $MNT). */
const CHOWN_CHECKS = `
mkdir -p d && chown 65534:65534 d && chmod 0755 d
for type in regular dir fifo char symlink; do
  case $type in
    regular) : > d/f;; dir) mkdir d/f;; fifo) mkfifo d/f;; char) mknod d/f c 1 3;; symlink) ln -s target d/f;;
  esac
  chown -h 65534:65534 d/f
  h=""; [ $type = symlink ] && h="-h"
  refused "$type: owner gives the file away" u65534 chown $h 65533:65533 $MNT/d/f
  refused "$type: non-owner names the current owner and group" u65533 chown $h 65534:65534 $MNT/d/f
  refused "$type: non-owner takes the file" u65533 chown $h 65533:65533 $MNT/d/f
  refused "$type: owner sets a group it is not in" u65534 chown $h :65533 $MNT/d/f
  refused "$type: non-owner names the current group" u65533 chown $h :65534 $MNT/d/f
  owner_is "$type: ownership unchanged" d/f 65534:65534
  allowed "$type: owner names itself and its group" u65534 chown $h 65534:65534 $MNT/d/f
  if [ $type = regular ]; then
    as u65534 ln -s f $MNT/d/l >/dev/null
    refused "chown through a symlink by a non-owner" u65533 chown 65534:65534 $MNT/d/l
    rm d/l
  fi
  rm -rf d/f
done
: > d/mine && chown 1000:1000 d/mine
allowed "owner sets a supplementary group" u1000 chgrp 2000 $MNT/d/mine
owner_is "group set by the owner" d/mine 1000:2000
refused "owner sets a group it left" u1000 chgrp 65533 $MNT/d/mine
chown 4321:8765 d/mine
owner_is "root changes owner and group" d/mine 4321:8765
rm -rf d
`;

/** Permission checks for ordinary users that must stay as they were (mode bits, sticky dirs). */
const PERMISSION_CHECKS = `
mkdir -p p && chmod 0777 p
allowed "a user creates in a 0777 directory" u65534 "echo one > $MNT/p/own"
owner_is "the file is the creator's" p/own 65534:65534
allowed "the owner truncates and rewrites its file (O_TRUNC)" u65534 "echo again > $MNT/p/own"
content_is "the rewrite is what the file holds" p/own again
denied "another user truncates a 0644 file" u65533 ": > $MNT/p/own"
allowed "the creator writes through the descriptor of a file it created 0444" u65534 "umask 0222; echo ro > $MNT/p/ro"
content_is "the read-only file holds what its creator wrote" p/ro ro
denied "the owner opens its 0444 file for writing" u65534 "echo more >> $MNT/p/ro"
allowed "the owner chmods its file" u65534 chmod 0600 $MNT/p/own
refused "a non-owner chmods it" u65533 chmod 0666 $MNT/p/own
if as u65533 cat $MNT/p/own >/dev/null; then echo "FAIL a 0600 file read by another user"; fails=$((fails + 1)); else echo "ok a 0600 file is not readable by others"; fi
chmod 1777 p
allowed "another user creates in a sticky directory" u65533 "echo two > $MNT/p/theirs"
refused "a non-owner removes from a sticky directory" u65533 rm -f $MNT/p/own
allowed "the owner removes from a sticky directory" u65534 rm -f $MNT/p/own
rm -rf p
echo "FAILS $fails"
[ $fails = 0 ]
`;

/** `ok` lines the scripts print when every check ran: 5 types x 7, 1 through a symlink, 4 + 14 more. */
const CHECKS = 54;

describe("kernel NFS clients: POSIX chown and permissions (pjdfstest chown/07 and friends)", () => {
  let dir: string;
  let server: NfsServer;
  let guest: GuestSession;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "dittofs-kernel-posix-"));
    chmodSync(dir, 0o700);
    const started = await Promise.allSettled([
      startNfsServer({ stores: { dataDir: dir } }).then((s) => {
        server = s;
      }),
      startGuest().then((g) => {
        guest = g;
      }),
    ]);
    for (const r of started) if (r.status === "rejected") throw r.reason;
  });

  afterAll(async () => {
    await guest?.stop();
    await server?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  for (const vers of ["3", "4.1", "4.0"] as const) {
    it(`vers=${vers}: refuses chown/chgrp as POSIX says, no-op values included, and keeps the permission rules`, async () => {
      const r = await guest.run(
        nfsScript(
          { port: server.port, exportPath: "/export", vers },
          [PRELUDE, `grep " $MNT " /proc/mounts`, CHOWN_CHECKS, PERMISSION_CHECKS].join("\n"),
        ),
        { timeoutMs: 400_000 },
      );
      const lines = r.output.split("\n");
      console.log(
        `NFS vers=${vers}: ${lines.filter((l) => l.startsWith("ok ")).length}/${CHECKS} checks pass`,
      );
      // The mount is the version asked for (a v4.1 mount falling back to v3 would prove nothing).
      const fsType = vers === "3" ? "nfs" : "nfs4";
      expect(r.output).toMatch(new RegExp(` ${fsType} .*vers=${vers.replace(".", "\\.")}`));
      expect(lines.filter((l) => l.startsWith("FAIL "))).toEqual([]);
      expect(lines.filter((l) => l.startsWith("ok ")).length, r.output).toBe(CHECKS);
      expect(r.output).toContain("FAILS 0");
      expect(r.exitCode, r.output).toBe(0);
    });
  }
});
