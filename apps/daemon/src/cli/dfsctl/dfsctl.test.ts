import { existsSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { connect } from "node:net";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { daemonHarness, TEST_ADMIN_PASSWORD } from "../../runtime/testing/daemon-harness.ts";
import { runCli } from "../testing/run-cli.ts";
import { apiClient } from "./client.ts";
import { renderTable } from "./output.ts";
import { main } from "./program.ts";

describe("dfsctl against a running daemon", () => {
  const h = daemonHarness();
  const env = { XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), "dfsctl-home-")), DITTOFS_URL: "" };
  let url: string;
  /** As a separate process, through bin/dfsctl.mjs. */
  const ctl = (...args: string[]) => runCli("dfsctl", ["--url", url, ...args], { env });
  /** In-process, same program, for the many small cases. */
  const ctlIn = async (...args: string[]) => {
    let stdout = "";
    let stderr = "";
    const io = {
      out: (t: string) => {
        stdout += t;
      },
      err: (t: string) => {
        stderr += t;
      },
      env,
    };
    const code = await main(["node", "dfsctl", "--url", url, ...args], io);
    return { code, stdout, stderr };
  };

  beforeAll(async () => {
    url = (await h.start()).httpUrl;
  });
  afterAll(() => h.dispose());

  it("refuses commands before login and bad passwords", async () => {
    const before = await ctlIn("share", "list");
    expect(before.code).toBe(1);
    expect(before.stderr).toContain("dfsctl login");
    const wrong = await ctlIn("login", "--username", "admin", "--password", "not-the-password");
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("invalid username or password");
  });

  it("as a process: logs in (token 0600), lists /export, stops and starts nfs across restarts", async () => {
    const login = await ctl("login", "--username", "admin", "--password", TEST_ADMIN_PASSWORD);
    expect(login.code).toBe(0);
    const session = join(env.XDG_CONFIG_HOME, "dittofs", "session.json");
    expect(statSync(session).mode & 0o777).toBe(0o600);
    expect(statSync(join(env.XDG_CONFIG_HOME, "dittofs")).mode & 0o777).toBe(0o700);

    const list = await ctl("share", "list");
    expect(list.stdout.split("\n")[1]).toMatch(/^\/export\s+default\s+default\s+false\s+root_squash/);

    const stop = await ctl("-o", "json", "adapter", "stop", "nfs");
    expect(stop.code).toBe(0);
    expect(JSON.parse(stop.stdout)).toMatchObject({ type: "nfs", running: false });

    let daemon = await h.restart();
    expect(daemon.runtime.adapterStatus("nfs").running).toBe(false);
    const start = await ctl("adapter", "start", "nfs");
    expect(start.code).toBe(0);
    expect(start.stdout).toMatch(/^nfs\s+running/m);

    daemon = await h.restart();
    expect(daemon.runtime.adapterStatus("nfs").running).toBe(true);
    const adapters = await ctlIn("adapter", "list");
    expect(adapters.stdout).toMatch(/^nfs\s+true\s+running/m);

    // Connection limits: defaults until set, then the set value (a bad one is refused by key).
    expect((await ctlIn("adapter", "limits", "smb")).stdout).toMatch(/^idleTimeoutMs\s+900000\s+default/m);
    const set = await ctlIn(
      "adapter",
      "update",
      "smb",
      "--settings",
      '{"host":"127.0.0.1","idleTimeoutMs":60000}',
    );
    expect(set.code).toBe(0);
    expect((await ctlIn("adapter", "limits", "smb")).stdout).toMatch(/^idleTimeoutMs\s+60000\s+set/m);
    const bad = await ctlIn(
      "adapter",
      "update",
      "nfs",
      "--settings",
      '{"host":"127.0.0.1","maxConnections":0}',
    );
    expect(bad.stderr).toMatch(/settings\.maxConnections/);
  });

  it("lists as JSON, creates and deletes users, reporting the field of bad input", async () => {
    expect((await ctlIn("login", "-u", "admin", "-p", TEST_ADMIN_PASSWORD)).code).toBe(0);
    const json = await ctlIn("-o", "json", "share", "list");
    expect(JSON.parse(json.stdout)).toEqual([
      expect.objectContaining({ name: "/export", nfs: true, smb: true }),
    ]);

    const created = await ctlIn(
      "user",
      "create",
      "frank",
      "--password",
      "frank-password",
      "--role",
      "operator",
    );
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^frank\s+\d+\s+\d+\s+operator\s+true/m);
    const dup = await ctlIn("user", "create", "frank", "--password", "frank-password");
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain("[username]");
    const short = await ctlIn("user", "create", "gina", "--password", "short");
    expect(short.code).toBe(1);
    expect(short.stderr).toContain("[password]");
    expect((await ctlIn("user", "delete", "frank")).code).toBe(0);
    expect((await ctlIn("-o", "json", "user", "list")).stdout).not.toContain("frank");
    const audit = await ctlIn("audit", "list", "--action", "users.delete");
    expect(audit.stdout).toMatch(/\sadmin\s+users\.delete\s+frank\s+ok/);
  });

  it("manages groups, stores and shares", async () => {
    expect((await ctlIn("group", "create", "staff")).code).toBe(0);
    expect((await ctlIn("store", "block", "create", "b2", "-t", "fs", "--path", "b2")).code).toBe(0);
    const share = await ctlIn("share", "create", "/p2", "-m", "default", "-b", "b2", "--read-only");
    expect(share.stdout).toMatch(/^\/p2\s+default\s+b2\s+true/m);
    const clients = await ctlIn(
      "-o",
      "json",
      "share",
      "update",
      "/p2",
      "--nfs-clients",
      "10.0.0.0/8(rw),*(ro)",
      "--anonymous",
      "none",
      "--encrypt-data",
      "true",
    );
    expect(JSON.parse(clients.stdout)).toMatchObject({
      encryptData: true,
      nfsClients: [
        { host: "10.0.0.0/8", access: "read-write" },
        { host: "*", access: "read" },
      ],
      anonymousAccess: "none",
    });
    const badHost = await ctlIn("share", "update", "/p2", "--nfs-clients", "example.org(rw)");
    expect(badHost.code).toBe(2);
    expect(badHost.stderr).toContain("example.org(rw)");
    const grant = await ctlIn("share", "permission", "set", "/p2", "read", "--group", "staff");
    expect(grant.stdout).toMatch(/^\/p2\s+-\s+staff\s+read$/m);
    expect((await ctlIn("-o", "json", "store", "block", "health", "b2")).stdout).toContain('"ok": true');
    const inUse = await ctlIn("store", "block", "delete", "b2");
    expect(inUse.code).toBe(1);
    expect((await ctlIn("share", "delete", "/p2")).code).toBe(0);
    expect((await ctlIn("store", "block", "delete", "b2")).code).toBe(0);
  });

  it("store list/get show secrets as set/unset only; update keeps the secret and the keys it is not given", async () => {
    expect((await ctlIn("login", "-u", "admin", "-p", TEST_ADMIN_PASSWORD)).code).toBe(0);
    const s3 = { endpoint: "http://127.0.0.1:1", accessKeyId: "AKID", secretAccessKey: "TOPSECRET" };
    const args = ["--bucket", "bkt", "--region", "r1", "--config", JSON.stringify(s3)];
    expect((await ctlIn("store", "block", "create", "s3", "-t", "s3", ...args)).code).toBe(0);
    const shown = [
      await ctlIn("store", "block", "list"),
      await ctlIn("store", "block", "get", "s3"),
      await ctlIn("-o", "json", "store", "block", "get", "s3"),
    ];
    for (const r of shown) expect(r.stdout).not.toContain("TOPSECRET");
    expect(shown[0]!.stdout).toMatch(/^s3\s+s3\s+\{.*"bucket":"bkt".*\}\s+secretAccessKey=set$/m);
    expect(shown[1]!.stdout).toMatch(/^NAME\s+TYPE\s+CONFIG\s+SECRETS$/m);
    expect(JSON.parse(shown[2]!.stdout).secrets).toEqual({ secretAccessKey: "set" });
    expect((await ctlIn("store", "block", "list")).stdout).toMatch(/^default\s+\S+\s+\{.*\}\s+-$/m);

    const updated = await ctlIn("store", "block", "update", "s3", "--bucket", "bkt2");
    expect(updated.stdout).toMatch(/^s3\s+s3\s+\{.*"bucket":"bkt2".*\}\s+secretAccessKey=set$/m);
    const store = h.current().store;
    expect((await store.getStore("block", "s3")).config).toEqual({ ...s3, bucket: "bkt2", region: "r1" });
    const dropRegion = await ctlIn("store", "block", "update", "s3", "--config", '{"region":null}');
    expect(dropRegion.code).toBe(0);
    expect((await store.getStore("block", "s3")).config).toEqual({ ...s3, bucket: "bkt2" });
    expect((await ctlIn("store", "block", "delete", "s3")).code).toBe(0);
  });

  it("lists connected clients", async () => {
    expect((await ctlIn("adapter", "create", "test", "--port", "0")).code).toBe(0);
    const port = Number(/^test\s+true\s+running\s+(\d+)/m.exec((await ctlIn("adapter", "list")).stdout)?.[1]);
    const socket = connect(port, "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    await expect
      .poll(async () => (await ctlIn("client", "list")).stdout)
      .toMatch(/^test\s+127\.0\.0\.1\s+-\s+-\s+\S+\s+\S+\s+0\s+0$/m);
    socket.destroy();
    expect((await ctlIn("adapter", "delete", "test")).code).toBe(0);
  });

  it("shows why an adapter did not start until a start succeeds", async () => {
    expect((await ctlIn("login", "-u", "admin", "-p", TEST_ADMIN_PASSWORD)).code).toBe(0);
    // 192.0.2.1 (TEST-NET-1) is no local address: binding it fails for real with EADDRNOTAVAIL.
    const settings = JSON.stringify({ host: "192.0.2.1" });
    expect(
      (await ctlIn("adapter", "create", "test", "--port", "0", "--disabled", "--settings", settings)).code,
    ).toBe(0);
    const start = await ctlIn("adapter", "start", "test");
    expect(start.code).toBe(1);
    expect(start.stderr).toContain("EADDRNOTAVAIL");
    const list = await ctlIn("adapter", "list");
    expect(list.stdout).toMatch(/^ERROR$|\sERROR$/m);
    expect(list.stdout).toMatch(
      /^test\s+false\s+failed\s+0\s+0\s+-\s+\d{4}-\d\d-\d\dT\S+ port: cannot start test on 192\.0\.2\.1:0: .*EADDRNOTAVAIL/m,
    );
    const json = JSON.parse((await ctlIn("-o", "json", "adapter", "status", "test")).stdout);
    expect(json).toMatchObject({
      running: false,
      error: { message: expect.stringContaining("EADDRNOTAVAIL") },
    });
    expect((await ctlIn("adapter", "update", "test", "--settings", "{}")).code).toBe(0);
    const started = await ctlIn("adapter", "start", "test");
    expect(started.stdout).toMatch(/^test\s+running\s+\d+\s+0\s+\S+\s+-$/m);
    expect((await ctlIn("adapter", "delete", "test")).code).toBe(0);
  });

  it("info names the daemon the URL reaches; client list shows it on each client", async () => {
    expect((await ctlIn("login", "-u", "admin", "-p", TEST_ADMIN_PASSWORD)).code).toBe(0);
    const info = JSON.parse((await ctlIn("-o", "json", "info")).stdout);
    expect(info.daemon).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{16}$/),
      name: expect.any(String),
      hostname: hostname(),
    });
    expect(info.node).toBe(process.version);
    const table = (await ctlIn("info")).stdout;
    expect(table.split("\n")[0]).toMatch(/^DAEMON\s+ID\s+HOST\s+VERSION\s+NODE\s+STARTED$/);
    expect(table.split("\n")[1]).toMatch(
      new RegExp(`^${info.daemon.name.replace(/\./g, "\\.")}\\s+${info.daemon.id}\\s`),
    );
    expect((await ctlIn("adapter", "create", "test", "--port", "0")).code).toBe(0);
    const port = Number(/^test\s+true\s+running\s+(\d+)/m.exec((await ctlIn("adapter", "list")).stdout)?.[1]);
    const socket = connect(port, "127.0.0.1");
    try {
      await new Promise((resolve) => socket.once("connect", resolve));
      await expect
        .poll(async () => (await ctlIn("client", "list")).stdout)
        .toMatch(
          new RegExp(
            `^test\\s+127\\.0\\.0\\.1\\s.*\\s${info.daemon.name.replace(/\./g, "\\.")}\\s+0\\s+0$`,
            "m",
          ),
        );
    } finally {
      socket.destroy();
      expect((await ctlIn("adapter", "delete", "test")).code).toBe(0);
    }
  });

  it("migrates a share to another block store with a progress bar, then confirms", async () => {
    expect((await ctlIn("store", "block", "create", "b3", "-t", "fs", "--path", "b3")).code).toBe(0);
    const moved = await ctlIn("share", "migrate", "/export", "--to", "b3");
    expect([moved.code, moved.stderr]).toEqual([0, expect.stringMatching(/^switched +\[#{30}\] 100% {2}/m)]);
    expect(moved.stdout).toMatch(/^\/export\s+default\s+b3\s+switched\s/m);
    const again = await ctlIn("share", "migrate", "/export", "--to", "default");
    expect([again.code, again.stderr]).toEqual([1, expect.stringContaining("confirm it first")]);
    expect((await ctlIn("share", "migration", "confirm", "/export")).stdout).toMatch(/\sdone\s/);
    expect((await ctlIn("share", "migrate", "/export", "--to", "default")).code).toBe(0);
    expect((await ctlIn("share", "migration", "confirm", "/export")).code).toBe(0);
    expect((await ctlIn("store", "block", "delete", "b3")).code).toBe(0);
  });

  it("exits 2 on bad usage", async () => {
    const missing = await ctlIn("user", "create", "x");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--password");
    expect((await ctlIn("-o", "yaml", "share", "list")).code).toBe(2);
  });
});

describe("dfsctl session", () => {
  const h = daemonHarness();
  const env = { XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), "dfsctl-home-")), DITTOFS_URL: "" };
  afterAll(() => h.dispose());

  it("reuses the saved URL, and logout ends the session on the daemon too", async () => {
    const url = (await h.start()).httpUrl;
    const run = async (...args: string[]) => {
      let stderr = "";
      const io = {
        out: () => {},
        err: (t: string) => {
          stderr += t;
        },
        env,
      };
      return { code: await main(["node", "dfsctl", ...args], io), stderr };
    };
    expect((await run("--url", url, "login", "-u", "admin", "-p", TEST_ADMIN_PASSWORD)).code).toBe(0);
    const token = (
      JSON.parse(readFileSync(join(env.XDG_CONFIG_HOME, "dittofs", "session.json"), "utf8")) as {
        token: string;
      }
    ).token;
    expect((await run("whoami")).code).toBe(0); // no --url: the saved one
    expect((await run("logout")).code).toBe(0);
    expect(existsSync(join(env.XDG_CONFIG_HOME, "dittofs", "session.json"))).toBe(false);
    expect((await run("--url", url, "whoami")).stderr).toContain("dfsctl login");
    // The token itself is dead, not just forgotten.
    await expect(apiClient(url, token).auth.me.query()).rejects.toMatchObject({
      data: { code: "UNAUTHORIZED" },
    });
  });
});

describe("dfsctl table output", () => {
  it("aligns columns and shows empty values as -", () => {
    const text = renderTable(
      [
        { a: "x", b: null, c: ["p", "q"] },
        { a: "longer", b: 7, c: [] },
      ],
      [
        { header: "a", value: (r) => r.a },
        { header: "bee", value: (r) => r.b },
        { header: "c", value: (r) => r.c },
      ],
    );
    expect(text).toBe(["A       BEE  C", "x       -    p,q", "longer  7    -"].join("\n"));
  });
});
