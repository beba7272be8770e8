import { expect, it } from "vitest";
import {
  adapterCreateInput,
  auditListInput,
  blockStoreCreateInput,
  metadataStoreUpdateInput,
  SETTINGS_PER_UPDATE_MAX,
  settingsUpdateInput,
  shareCreateInput,
  sharePermissionSetInput,
  userCreateInput,
} from "../index.ts";

/** The path and message of the first issue, or "ok". */
function firstIssue(r: {
  success: boolean;
  error?: { issues: Array<{ path: PropertyKey[]; message: string }> };
}) {
  if (r.success) return "ok";
  const i = r.error!.issues[0]!;
  return `${i.path.map(String).join(".")}: ${i.message}`;
}

it("accepts absolute share names and refuses relative, dotted or empty components", () => {
  const share = (name: string) =>
    firstIssue(shareCreateInput.safeParse({ name, metadataStore: "m", blockStore: "b" }));
  expect(share("/export")).toBe("ok");
  expect(share("/a/b-c_d.e")).toBe("ok");
  for (const bad of ["export", "//x", "/x/", "/../x", "/.hidden", "/a b"]) {
    expect(share(bad)).toBe("name: an absolute path like /export");
  }
  expect(share("/")).toMatch(/^name: /);
});

it("checks a store config against its type and reports config.<key>", () => {
  expect(firstIssue(blockStoreCreateInput.safeParse({ name: "b", type: "fs", config: {} }))).toMatch(
    /^config\.path: /,
  );
  expect(firstIssue(blockStoreCreateInput.safeParse({ name: "b", type: "memory" }))).toBe("ok");
  expect(
    firstIssue(
      blockStoreCreateInput.safeParse({
        name: "b",
        type: "s3",
        config: { bucket: "bucket", endpoint: "nope" },
      }),
    ),
  ).toMatch(/^config\.endpoint: /);
  expect(
    firstIssue(blockStoreCreateInput.safeParse({ name: "b", type: "s3", config: { bucket: "b" } })),
  ).toBe("config.bucket: 3 to 63 characters");
  // An update without a type leaves the config to be checked against the stored type.
  expect(firstIssue(metadataStoreUpdateInput.safeParse({ name: "m", config: { anything: 1 } }))).toBe("ok");
  expect(firstIssue(metadataStoreUpdateInput.safeParse({ name: "m", type: "sqlite", config: {} }))).toMatch(
    /^config\.path: /,
  );
});

it("bounds users, ports, grants, settings and audit pages", () => {
  const user = { username: "bob", password: "password1", role: "user" };
  expect(firstIssue(userCreateInput.safeParse(user))).toBe("ok");
  expect(firstIssue(userCreateInput.safeParse({ ...user, username: "1bob" }))).toMatch(/^username: /);
  expect(firstIssue(userCreateInput.safeParse({ ...user, uid: 4_294_967_295 }))).toMatch(/^uid: /);
  expect(firstIssue(userCreateInput.safeParse({ ...user, password: "x".repeat(257) }))).toMatch(
    /^password: /,
  );
  expect(firstIssue(adapterCreateInput.safeParse({ type: "nfs", port: 65_536 }))).toMatch(/^port: /);
  expect(firstIssue(adapterCreateInput.safeParse({ type: "NFS", port: 1 }))).toMatch(/^type: /);
  expect(firstIssue(sharePermissionSetInput.safeParse({ name: "/e", level: "read" }))).toBe(
    "user: give either user or group",
  );
  expect(firstIssue(sharePermissionSetInput.safeParse({ name: "/e", group: "g", level: "write" }))).toMatch(
    /^level: /,
  );
  const many = Object.fromEntries(
    Array.from({ length: SETTINGS_PER_UPDATE_MAX + 1 }, (_, i) => [`k${i}`, i]),
  );
  expect(firstIssue(settingsUpdateInput.safeParse({ values: many }))).toMatch(/^values: at most/);
  expect(firstIssue(auditListInput.safeParse({ limit: 501 }))).toMatch(/^limit: /);
  const since = auditListInput.parse({ since: "2026-01-01T00:00:00Z" })?.since;
  expect(since).toEqual(new Date("2026-01-01T00:00:00Z"));
});
