import { describe, expect, it } from "vitest";
import { shareInfo, TestIdentity } from "../runtime/testing/adapter-context.ts";
import { anyShareAdmits, matchClient, sessionAccess, shareAccess } from "./share-access.ts";

const principal = (username: string, uid: number, enabled = true) => ({
  username,
  uid,
  gid: uid,
  gids: [],
  role: "user" as const,
  enabled,
  ntHash: null,
});

describe("shareAccess (share + peer + AUTH_SYS uid → effective access)", () => {
  const identity = new TestIdentity();
  identity.addPrincipal(principal("writer", 2001), { "/s": "read-write" });
  identity.addPrincipal(principal("reader", 2002), { "/s": "read" });
  identity.addPrincipal(principal("nobody", 2003), { "/s": "none" });
  identity.addPrincipal(principal("boss", 2004), { "/s": "admin" });
  identity.addPrincipal(principal("gone", 2005, false), { "/s": "read-write" });
  const share = shareInfo("/s", {
    nfsClients: [
      { host: "10.1.0.0/16", access: "read" },
      { host: "10.0.0.0/8", access: "read-write" },
      { host: "fd00::/8", access: "read-write" },
      { host: "192.0.2.7", access: "read-write" },
    ],
    anonymousAccess: "read",
  });
  const level = (address: string, uid: number | null) => shareAccess(share, address, uid, identity).level;

  it("takes the lesser of the first matching client entry and the caller's grant", () => {
    expect(level("10.2.3.4", 2001)).toBe("read-write");
    expect(level("10.1.3.4", 2001)).toBe("read");
    expect(shareAccess(share, "10.1.3.4", 2001, identity).writeRefusal).toBe("EROFS");
    expect(shareAccess(share, "10.2.3.4", 2002, identity)).toEqual({ level: "read", writeRefusal: "EACCES" });
    expect(level("10.2.3.4", 2003)).toBe("none");
    expect(level("10.2.3.4", 2004)).toBe("read-write");
    expect(level("10.2.3.4", 2005)).toBe("none");
  });

  it("refuses hosts no entry admits, and matches IPv4-mapped and IPv6 peers", () => {
    expect(level("11.0.0.1", 2001)).toBe("none");
    expect(level("::ffff:192.0.2.7", 2001)).toBe("read-write");
    expect(level("fd12::1", 2001)).toBe("read-write");
    expect(level("fe80::1", 2001)).toBe("none");
    expect(matchClient(share.nfsClients!, "not an address")).toBeUndefined();
    expect(anyShareAdmits([share], "11.0.0.1")).toBe(false);
    expect(anyShareAdmits([share], "10.9.9.9")).toBe(true);
  });

  it("unknown uids and AUTH_NONE get the share's anonymous policy; defaults admit everyone", () => {
    expect(level("10.2.3.4", 4242)).toBe("read");
    expect(level("10.2.3.4", null)).toBe("read");
    const open = shareInfo("/s");
    expect(shareAccess(open, "203.0.113.9", 4242, identity).level).toBe("read-write");
    expect(
      shareAccess({ ...open, protocols: { nfs: false, smb: true } }, "127.0.0.1", 2001, identity).level,
    ).toBe("none");
  });
});

describe("sessionAccess (share + logged-on user → access, SMB TREE_CONNECT)", () => {
  const identity = new TestIdentity();
  const reader = principal("reader", 3001);
  const boss = principal("boss", 3002);
  const nobody = principal("nobody", 3003);
  identity.addPrincipal(reader, { "/s": "read" });
  identity.addPrincipal(boss, { "/s": "admin" });
  identity.addPrincipal(nobody, { "/s": "none" });

  it("gives a user their grant (admin as read-write) and a guest only a guest share", () => {
    const s = shareInfo("/s");
    expect(sessionAccess(s, reader, identity).level).toBe("read");
    expect(sessionAccess(s, boss, identity).level).toBe("read-write");
    expect(sessionAccess(s, nobody, identity).level).toBe("none");
    expect(sessionAccess(s, null, identity).level).toBe("none");
    expect(sessionAccess(shareInfo("/s", { guest: true }), null, identity).level).toBe("read-write");
  });
});
