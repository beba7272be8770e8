import { expect, it } from "vitest";
import { STATUS_OBJECT_NAME_INVALID } from "./ntstatus.ts";
import { parsePath } from "./paths.ts";

it("refuses names with a lone UTF-16 surrogate (found by bench/fuzz.ts: smbclient could not list the share)", () => {
  for (const name of ["fuz\uD800.txt", "a\\b\uDC00", "\uDBFF"]) {
    expect(() => parsePath(name)).toThrow(expect.objectContaining({ status: STATUS_OBJECT_NAME_INVALID }));
  }
  // A surrogate pair is one character and fine.
  expect(parsePath("emoji-\uD83D\uDE00.txt").components).toEqual(["emoji-\uD83D\uDE00.txt"]);
});
