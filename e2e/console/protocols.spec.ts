/**
 * Everything that touches the protocol adapters, in one serial file so no other test sees an
 * adapter stopped: the dashboard's chips and live charts, adapter stop/start, mount commands and
 * real clients (libnfs, smbclient) mounting a share made in the browser.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listenBelowEphemeral } from "../../apps/daemon/src/runtime/testing/fixed-port.ts";
import { expect, screenshot, test } from "./fixtures.ts";
import type { Api } from "./support/api.ts";
import { nfsCopyIn, nfsList, nfsUrl, probe, smbclient, smbSession } from "./support/clients.ts";
import { DAEMON_NAME } from "./support/env.ts";

test.describe.configure({ mode: "serial" });

async function adapterStatus(api: Api, type: string) {
  const a = (await api.adapters.list.query()).find((x) => x.type === type);
  if (a === undefined) throw new Error(`no ${type} adapter`);
  return a.status;
}

test("dashboard shows health, counts, adapter chips and live charts fed every second", async ({
  adminPage: page,
  api,
}, info) => {
  await page.goto("/");
  // The first queries of a fresh page; generous for a loaded CI machine (load 24 took over 10 s).
  await expect(page.getByRole("group", { name: "Health" })).toContainText("healthy", { timeout: 30_000 });
  await expect(page.getByRole("group", { name: "Version" })).toContainText(/\d+\.\d+/);
  // The daemon runs on the same pinned Node.js as this runner (README "Runtime").
  await expect(page.getByRole("group", { name: "Version" })).toContainText(`Node.js ${process.version}`);
  await expect(page.getByRole("group", { name: "Uptime" })).toContainText(/\d+[smhd]/);
  // Which daemon the console is looking at: the header, the summary and the live stream say so.
  await expect(page.getByRole("group", { name: "Daemon" })).toHaveText(`Daemon${DAEMON_NAME}`);
  await expect(page.getByRole("banner")).toContainText(`Daemon ${DAEMON_NAME}`);
  expect((await api.system.info.query()).daemon.name).toBe(DAEMON_NAME);
  expect((await api.system.info.query()).node).toBe(process.version);
  // Other tests create users meanwhile: compare with a fresh API count until both agree.
  for (const [label, count] of [
    ["Shares", async () => (await api.shares.list.query()).length],
    ["Users", async () => (await api.users.list.query()).length],
    ["Connected clients", async () => (await api.clients.list.query()).length],
  ] as const) {
    await expect(async () => {
      // The figure, then (clients card) a per-protocol line, which starts with a letter.
      expect(await page.getByRole("group", { name: label }).textContent()).toMatch(
        new RegExp(`^${label}${await count()}(\\D|$)`),
      );
    }).toPass({ timeout: 15_000 });
  }
  for (const type of ["NFS", "SMB"]) {
    await expect(page.getByRole("listitem", { name: `${type} adapter` })).toContainText("running on :");
  }
  // The clients card puts each protocol's listed clients next to its adapter's connections.
  await expect(async () => {
    const clients = await api.clients.list.query();
    const adapters = await api.adapters.list.query();
    const text = await page.getByRole("group", { name: "Connected clients" }).textContent();
    for (const a of adapters) {
      const n = clients.filter((c) => c.protocol === a.type).length;
      expect(text).toContain(`${a.type.toUpperCase()} ${n} · ${a.status.connections} connection`);
    }
  }).toPass({ timeout: 15_000 });
  // Samples arrive over the SSE subscription through the console's proxy, one a second.
  const status = page.getByRole("status", { name: "Live metrics status" });
  await expect(status).toContainText(new RegExp(`\\d+ samples? from ${DAEMON_NAME}`));
  const first = Number((await status.textContent())?.match(/(\d+) samples?/)?.[1]);
  await expect(async () => {
    const now = Number((await status.textContent())?.match(/(\d+) samples?/)?.[1]);
    expect(now).toBeGreaterThanOrEqual(first + 2);
  }).toPass({ timeout: 10_000 });
  await screenshot(page, info, "dashboard");
  // Each count card is a link to its page.
  for (const [label, path] of [
    ["Shares", "/shares"],
    ["Stores", "/stores"],
    ["Users", "/users"],
    ["Connected clients", "/adapters"],
  ] as const) {
    await page.getByRole("group", { name: label }).click();
    await expect(page).toHaveURL(new RegExp(`${path}$`));
    await page.goBack();
  }
});

/** Whether a real client of this protocol gets through to /export right now. */
async function clientReaches(
  type: string,
  port: number,
  adminPassword: string,
  cwd: string,
): Promise<boolean> {
  if (type === "nfs") return (await nfsList(port, "/export")).ok;
  return smbclient(port, "/export", "admin", adminPassword, "ls", cwd).then(
    () => true,
    () => false,
  );
}

test("stopping and starting NFS and SMB is reflected at once, and a stopped adapter refuses clients", async ({
  adminPage: page,
  api,
  stack,
}) => {
  const cwd = mkdtempSync(join(tmpdir(), "console-adapters-"));
  try {
    await page.goto("/adapters");
    for (const type of ["nfs", "smb"]) {
      const label = type.toUpperCase();
      const row = page.getByRole("row").filter({ has: page.getByRole("cell", { name: label, exact: true }) });
      await expect(row).toContainText("running");
      const before = await adapterStatus(api, type);
      expect(await clientReaches(type, before.port, stack.adminPassword, cwd)).toBe(true);

      // Stopping asks first and says what it does; Cancel leaves the adapter running.
      await row.getByRole("button", { name: `Stop ${label}` }).click();
      const confirm = page.getByRole("dialog", { name: `Stop the ${label} adapter?` });
      await expect(confirm).toContainText(`No ${label} client can connect until it is started again`);
      await confirm.getByRole("button", { name: "Cancel" }).click();
      expect((await adapterStatus(api, type)).running).toBe(true);
      await row.getByRole("button", { name: `Stop ${label}` }).click();
      await confirm.getByRole("button", { name: `Stop ${label}` }).click();
      await expect(row.getByRole("button", { name: `Start ${label}` })).toBeVisible();
      await expect(row).toContainText("stopped");
      expect((await adapterStatus(api, type)).running).toBe(false);
      expect(await probe(before.port)).toBe("ECONNREFUSED");
      expect(await clientReaches(type, before.port, stack.adminPassword, cwd)).toBe(false);

      await row.getByRole("button", { name: `Start ${label}` }).click();
      await expect(row.getByRole("button", { name: `Stop ${label}` })).toBeVisible();
      await expect(row).toContainText("running");
      const after = await adapterStatus(api, type);
      expect(after.running).toBe(true);
      await expect(row).toContainText(String(after.port));
      expect(await clientReaches(type, after.port, stack.adminPassword, cwd)).toBe(true);
    }
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});

test("an adapter whose port is taken shows why it did not start, until a start succeeds", async ({
  adminPage: page,
  api,
}, info) => {
  await api.adapters.stop.mutate({ type: "smb" });
  // A real collision: this test holds the port, then points the stopped SMB adapter at it.
  const squatter = createServer();
  const port = await listenBelowEphemeral(squatter);
  try {
    await api.adapters.update.mutate({ type: "smb", port });
    await page.goto("/adapters");
    const row = page.getByRole("row").filter({ has: page.getByRole("cell", { name: "SMB", exact: true }) });
    await expect(row).toContainText("stopped");
    await row.getByRole("button", { name: "Start SMB" }).click();
    await expect(page.getByText(/Could not start SMB: .*EADDRINUSE/)).toBeVisible();
    await expect(row.getByText("failed to start")).toBeVisible();
    // The reason is read out with the Start button too, not only shown in the status cell.
    await expect(row.getByRole("button", { name: "Start SMB" })).toHaveAccessibleDescription(/EADDRINUSE/);
    await expect(row).toContainText(
      new RegExp(`Start failed at .*: port: cannot start smb on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`),
    );
    const failed = await adapterStatus(api, "smb");
    expect(failed.running).toBe(false);
    expect(failed.error?.message).toContain("EADDRINUSE");
    expect(failed.error?.at).toBeInstanceOf(Date);
    await page.goto("/");
    await expect(page.getByRole("listitem", { name: "SMB adapter" })).toContainText(
      /failed to start: .*EADDRINUSE/,
    );
    await screenshot(page, info, "adapter-start-failed");
  } finally {
    await new Promise((resolve) => squatter.close(resolve));
  }
  await page.goto("/adapters");
  const row = page.getByRole("row").filter({ has: page.getByRole("cell", { name: "SMB", exact: true }) });
  await row.getByRole("button", { name: "Start SMB" }).click();
  await expect(row.getByRole("button", { name: "Stop SMB" })).toBeVisible();
  await expect(row).toContainText("running");
  await expect(row).not.toContainText("failed");
  const started = await adapterStatus(api, "smb");
  expect([started.running, started.port, started.error]).toEqual([true, port, null]);
  expect(await probe(port)).toBe("open");
});

test("the adapter settings form saves settings, restarting the running adapter, and rejects bad JSON", async ({
  adminPage: page,
  api,
}, info) => {
  await page.goto("/adapters");
  await screenshot(page, info, "adapters");
  const before = await adapterStatus(api, "smb");
  await page.getByRole("button", { name: "Settings of SMB" }).click();
  const dialog = page.getByRole("dialog", { name: "SMB adapter settings" });
  await dialog.getByLabel("Other settings (JSON)").fill("{ not json");
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog.getByText(/not valid JSON/)).toBeVisible();
  // A name no earlier run saved, so the save is a change and restarts the adapter.
  const serverName = `E2E-${Date.now().toString(36).slice(-6).toUpperCase()}`;
  await dialog.getByLabel("Other settings (JSON)").fill(JSON.stringify({ serverName }));
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog).toBeHidden();
  const smb = (await api.adapters.list.query()).find((a) => a.type === "smb");
  expect(smb?.settings).toMatchObject({ serverName });
  expect(smb?.status.running).toBe(true);
  expect(smb?.status.since?.getTime()).toBeGreaterThan(before.since?.getTime() ?? 0);
  expect(await probe(smb!.status.port)).toBe("open");
  await page.getByRole("button", { name: "Settings of SMB" }).click();
  await expect(
    page.getByRole("dialog", { name: "SMB adapter settings" }).getByLabel("Other settings (JSON)"),
  ).toHaveValue(new RegExp(`"serverName": "${serverName}"`));
});

test("a share and user made in the browser are mounted by libnfs and smbclient; the client and the charts show it", async ({
  adminPage: page,
  pageAs,
  api,
  unique,
  stack,
}, info) => {
  test.setTimeout(120_000);
  const dir = mkdtempSync(join(tmpdir(), "console-mount-"));
  try {
    const share = `/${unique("mnt")}`;
    const username = unique("bob");
    const password = "bob-password-1";

    await page.goto("/users");
    await page.getByRole("button", { name: "Create user" }).click();
    const create = page.getByRole("dialog", { name: "Create user" });
    await create.getByLabel("Username").fill(username);
    await create.getByLabel("Password", { exact: true }).fill(password);
    await create.getByLabel("Must change password at next sign-in").uncheck();
    await create.getByRole("button", { name: "Create user" }).click();
    await expect(create).toBeHidden();
    const user = await api.users.get.query({ username });

    await page.goto("/shares");
    await page.getByRole("button", { name: "Create share" }).click();
    const dialog = page.getByRole("dialog", { name: "Create share" });
    await dialog.getByLabel("Name").fill(share);
    await dialog.getByLabel("Metadata store").selectOption("default");
    await dialog.getByLabel("Block store").selectOption("default");
    await dialog.getByLabel("Squash").selectOption("none");
    await dialog.getByRole("button", { name: "Create share" }).click();
    await expect(page.getByRole("heading", { name: `Share ${share}` })).toBeVisible();

    // The mount commands carry the ports the adapters are bound to right now.
    const nfs = await adapterStatus(api, "nfs");
    const smb = await adapterStatus(api, "smb");
    await expect(
      page.getByText(`port=${nfs.port},mountport=${nfs.port},mountproto=tcp,nolock 127.0.0.1:${share}`),
    ).toBeVisible();
    await expect(
      page.getByText(`smbclient //127.0.0.1/${share.slice(1)} -p ${smb.port} -U admin`),
    ).toBeVisible();

    await page.getByRole("tab", { name: "Permissions" }).click();
    await page.getByLabel("User", { exact: true }).selectOption(username);
    await page.getByLabel("Level").selectOption("read-write");
    await page.getByRole("button", { name: "Grant" }).click();
    await expect(page.getByRole("table", { name: "Permissions" })).toContainText(username);

    // A dashboard left open while the clients work: its protocol chart must go from empty to data.
    const dashboard = await pageAs({ username: "admin", password: stack.adminPassword });
    await dashboard.goto("/");
    await expect(dashboard.getByRole("status", { name: "Live metrics status" })).toContainText(
      /\d+ samples?/,
    );

    const payload = randomBytes(300_000);
    const local = join(dir, "in.bin");
    writeFileSync(local, payload);
    await nfsCopyIn(local, nfsUrl(nfs.port, share, "from-nfs.bin", user.uid, user.gid));
    await smbclient(smb.port, share, username, password, "get from-nfs.bin back.bin", dir);
    expect(readFileSync(join(dir, "back.bin")).equals(payload)).toBe(true);

    const ops = dashboard.getByRole("figure", { name: "Protocol operations chart" });
    await expect(ops).toHaveAttribute("data-empty", "false", { timeout: 15_000 });
    await screenshot(dashboard, info, "dashboard-after-traffic");

    const session = smbSession(smb.port, share, username, password);
    try {
      await page.getByRole("tab", { name: "Clients" }).click();
      const clients = page.getByRole("table", { name: "Connected clients" });
      // The open smbclient session, and the NFS mount libnfs made (MOUNT keeps it in the mount table).
      await expect(clients.getByRole("row").filter({ hasText: "SMB" })).toContainText(username, {
        timeout: 15_000,
      });
      await expect(clients.getByRole("row").filter({ hasText: "NFS" })).toContainText("127.0.0.1");
      // Each client with the daemon it is connected to.
      await expect(clients.getByRole("row").filter({ hasText: "SMB" })).toContainText(DAEMON_NAME);
      await screenshot(page, info, "share-detail-clients");
      // An NFS mount has no session to close; the SMB session has, behind a confirmation.
      await expect(clients.getByRole("row").filter({ hasText: "NFS" }).getByRole("button")).toHaveCount(0);
      const smbRow = clients.getByRole("row").filter({ hasText: "SMB" });
      const address = (await smbRow.getByRole("cell").nth(1).textContent()) ?? "";
      await smbRow.getByRole("button", { name: `Disconnect ${address}` }).click();
      const confirm = page.getByRole("dialog", { name: `Disconnect ${address}?` });
      await expect(confirm).toContainText("open files are closed");
      await confirm.getByRole("button", { name: "Disconnect" }).click();
      await expect(clients.getByRole("row").filter({ hasText: address })).toHaveCount(0, { timeout: 15_000 });
      expect((await api.clients.list.query()).some((c) => c.address === address)).toBe(false);
      const audit = await api.audit.list.query({ action: "clients.disconnect" });
      expect(audit.items[0]).toMatchObject({ actor: "admin", result: "ok" });
    } finally {
      session.kill("SIGTERM");
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
