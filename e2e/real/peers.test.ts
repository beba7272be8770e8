/**
 * The reference peers start on loopback, answer real clients, and are gone after `stop()`:
 * s3rver (AWS SDK), NFS-Ganesha with the MEM FSAL (libnfs utilities) and Samba (smbclient).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { startGanesha } from "../peers/ganesha.ts";
import { pidAlive } from "../peers/process.ts";
import { startS3rver } from "../peers/s3rver.ts";
import { startSamba } from "../peers/samba.ts";

/** Live processes whose command line names `text` (zombies have an empty cmdline). */
function processesNaming(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(text)) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: "127.0.0.1", port });
    s.once("connect", () => {
      s.destroy();
      resolve(false);
    });
    s.once("error", () => resolve(true));
  });
}

describe("s3rver peer", () => {
  it("stores and returns objects, whole and by range, and stops", async () => {
    const s3 = await startS3rver();
    try {
      await s3.createBucket("rig-bucket");
      const client = new S3Client(s3.clientConfig());
      const body = randomBytes(300_000);
      await client.send(new PutObjectCommand({ Bucket: "rig-bucket", Key: "a/b.bin", Body: body }));
      const got = await client.send(new GetObjectCommand({ Bucket: "rig-bucket", Key: "a/b.bin" }));
      expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true);
      const part = await client.send(
        new GetObjectCommand({ Bucket: "rig-bucket", Key: "a/b.bin", Range: "bytes=1000-1999" }),
      );
      expect(Buffer.from(await part.Body!.transformToByteArray()).equals(body.subarray(1000, 2000))).toBe(
        true,
      );
      const list = await client.send(new ListObjectsV2Command({ Bucket: "rig-bucket", Prefix: "a/" }));
      expect(list.Contents?.map((o) => o.Key)).toEqual(["a/b.bin"]);
      client.destroy();
    } finally {
      await s3.stop();
    }
    expect(pidAlive(s3.pid)).toBe(false);
    expect(await refused(s3.port)).toBe(true);
  });
});

describe("NFS-Ganesha peer (MEM FSAL)", () => {
  it("answers libnfs over NFSv3 on its own ports with a private rpcbind, and stops", async () => {
    const g = await startGanesha({ fsal: "MEM", exportPath: "/mem" });
    let rpcbindPid = 0;
    try {
      rpcbindPid = Number(readFileSync(join(g.dir, "rpcbind.pid"), "utf8"));
      expect(pidAlive(rpcbindPid)).toBe(true);
      const url = (path: string) =>
        `nfs://127.0.0.1${g.exportPath}${path}?version=3&nfsport=${g.nfsPort}&mountport=${g.mountPort}`;
      const local = join(g.dir, "src.txt");
      const text = `ganesha mem ${randomBytes(6).toString("hex")}\n`;
      writeFileSync(local, text);
      execFileSync("nfs-cp", [local, url("/hello.txt")]);
      expect(execFileSync("nfs-ls", [url("")], { encoding: "utf8" })).toMatch(/hello\.txt/);
      expect(execFileSync("nfs-cat", [url("/hello.txt")], { encoding: "utf8" })).toBe(text);
    } finally {
      await g.stop();
    }
    expect(pidAlive(g.pid)).toBe(false);
    expect(pidAlive(rpcbindPid)).toBe(false);
    expect(await refused(g.nfsPort)).toBe(true);
  });
});

describe("Samba peer", () => {
  it("answers smbclient with the configured user, stores into the share dir, and stops", async () => {
    const password = `Pw-${randomBytes(6).toString("hex")}`;
    const s = await startSamba({ user: "dittorig", password });
    const smb = (cmd: string, pw = password) =>
      execFileSync(
        "smbclient",
        [`//127.0.0.1/${s.share}`, "-p", String(s.port), "-U", `${s.user}%${pw}`, "-c", cmd],
        { encoding: "utf8", cwd: s.dir },
      );
    try {
      const text = `samba ${randomBytes(6).toString("hex")}\n`;
      writeFileSync(join(s.dir, "up.txt"), text);
      smb("put up.txt remote.txt; get remote.txt down.txt");
      expect(readFileSync(join(s.sharePath, "remote.txt"), "utf8")).toBe(text);
      expect(readFileSync(join(s.dir, "down.txt"), "utf8")).toBe(text);
      expect(smb("ls")).toMatch(/remote\.txt/);
      const bad = spawnSync(
        "smbclient",
        [`//127.0.0.1/${s.share}`, "-p", String(s.port), "-U", `${s.user}%wrong-password`, "-c", "ls"],
        { encoding: "utf8" },
      );
      expect(bad.status).not.toBe(0);
      expect(`${bad.stdout}${bad.stderr}`).toMatch(/NT_STATUS_LOGON_FAILURE/);
      // Share enumeration goes through RPC: smbd starts samba-dcerpcd, in a session of its own.
      const list = spawnSync(
        "smbclient",
        ["-L", "//127.0.0.1", "-p", String(s.port), "-U", `${s.user}%${password}`],
        {
          encoding: "utf8",
        },
      );
      expect(list.stdout).toMatch(new RegExp(`^\\s+${s.share}\\s+Disk`, "m"));
      expect(processesNaming(s.confPath).length).toBeGreaterThan(1);
    } finally {
      await s.stop();
    }
    expect(pidAlive(s.pid)).toBe(false);
    expect(await refused(s.port)).toBe(true);
    expect(processesNaming(s.confPath)).toEqual([]);
  });
});
