import { expect, it } from "vitest";
import { isFsError } from "../../domain/errors.ts";
import { hashPassword, ntHash, OWASP_SCRYPT, SCRYPT_QUEUE_MAX, verifyPassword } from "./passwords.ts";

const CHEAP = { N: 1024, r: 8, p: 1 };

it("hashes with a random salt and the cost inside the hash; verifies only the right password", async () => {
  const a = await hashPassword("correct horse", CHEAP);
  const b = await hashPassword("correct horse", CHEAP);
  expect(a).not.toBe(b);
  expect(a).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  expect(await verifyPassword("correct horse", a)).toBe(true);
  expect(await verifyPassword("correct hors", a)).toBe(false);
  expect(await verifyPassword("correct horse", "md5$abc")).toBe(false);
  expect(await verifyPassword("x", "scrypt$0$8$1$AA==$AA==")).toBe(false);
  // A stored cost above the memory cap is refused rather than allocated.
  expect(await verifyPassword("x", "scrypt$1073741824$8$1$AA==$AA==")).toBe(false);
});

it("computes the NT hash of [MS-NLMP] (MD4 of UTF-16LE), including non-ASCII passwords", async () => {
  expect((await ntHash("password")).toString("hex")).toBe("8846f7eaee8fb117ad06bdd830b7586c");
  expect((await ntHash("")).toString("hex")).toBe("31d6cfe0d16ae931b73c59d7e0c089c0");
  expect((await ntHash("pässword")).length).toBe(16);
});

it("refuses hashing work beyond the queue limit instead of queueing without bound", async () => {
  const flood = Array.from({ length: SCRYPT_QUEUE_MAX + 20 }, () => hashPassword("x", CHEAP));
  const results = await Promise.allSettled(flood);
  const refused = results.filter((r) => r.status === "rejected");
  expect(refused.length).toBeGreaterThan(0);
  for (const r of refused) expect(isFsError((r as PromiseRejectedResult).reason, "EAGAIN")).toBe(true);
  // Once the flood has drained, hashing works again.
  expect(await verifyPassword("x", await hashPassword("x", CHEAP))).toBe(true);
});

it("hashes at the OWASP cost outside tests, and hashes made at the old cost still verify", async () => {
  expect(OWASP_SCRYPT).toEqual({ N: 131_072, r: 8, p: 1 });
  const owasp = await hashPassword("correct horse", OWASP_SCRYPT);
  expect(owasp.startsWith("scrypt$131072$8$1$")).toBe(true);
  expect(await verifyPassword("correct horse", owasp)).toBe(true);
  const old = await hashPassword("correct horse", { N: 16_384, r: 8, p: 1 });
  expect(await verifyPassword("correct horse", old)).toBe(true);
});
