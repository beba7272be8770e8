import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { daemonNameSchema } from "@dittofs/shared";
import { afterEach, expect, it } from "vitest";
import { DAEMON_ID_FILE, loadDaemonIdentity } from "./daemon-identity.ts";

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "dittofs-identity-"));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

it("keeps one random id per data dir across starts; the default name is host plus id", () => {
  const a = tempDir();
  const first = loadDaemonIdentity(a, null, "node-1.example");
  expect(first.id).toMatch(/^[0-9a-f]{16}$/);
  expect(first).toEqual({
    id: first.id,
    name: `node-1.example-${first.id.slice(0, 8)}`,
    hostname: "node-1.example",
  });
  expect(readFileSync(join(a, DAEMON_ID_FILE), "utf8")).toBe(`${first.id}\n`);
  expect(statSync(join(a, DAEMON_ID_FILE)).mode & 0o777).toBe(0o644);
  expect(loadDaemonIdentity(a, null, "node-1.example")).toEqual(first);
  // Another data dir is another daemon.
  expect(loadDaemonIdentity(tempDir(), null, "node-1.example").id).not.toBe(first.id);
});

it("uses the configured name, and keeps the id", () => {
  const dir = tempDir();
  const id = loadDaemonIdentity(dir).id;
  expect(loadDaemonIdentity(dir, "edge-a", "host")).toEqual({ id, name: "edge-a", hostname: "host" });
});

it("replaces an id file that holds no id, and makes a valid name from any hostname", () => {
  const dir = tempDir();
  writeFileSync(join(dir, DAEMON_ID_FILE), "garbage\n");
  const identity = loadDaemonIdentity(dir, null, `_weird host!${"x".repeat(80)}`);
  expect(identity.id).toMatch(/^[0-9a-f]{16}$/);
  expect(readFileSync(join(dir, DAEMON_ID_FILE), "utf8")).toBe(`${identity.id}\n`);
  expect(daemonNameSchema.safeParse(identity.name).success).toBe(true);
  expect(identity.name.endsWith(`-${identity.id.slice(0, 8)}`)).toBe(true);
});
