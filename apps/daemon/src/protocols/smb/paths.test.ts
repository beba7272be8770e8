import { expect, it } from "vitest";
import { STATUS_OBJECT_NAME_INVALID, STATUS_OBJECT_PATH_SYNTAX_BAD } from "./ntstatus.ts";
import { parsePath } from "./paths.ts";

it("refuses names with a lone UTF-16 surrogate (found by bench/fuzz.ts: smbclient could not list the share)", () => {
  for (const name of ["fuz\uD800.txt", "a\\b\uDC00", "\uDBFF"]) {
    expect(() => parsePath(name)).toThrow(expect.objectContaining({ status: STATUS_OBJECT_NAME_INVALID }));
  }
  // A surrogate pair is one character and fine.
  expect(parsePath("emoji-\uD83D\uDE00.txt").components).toEqual(["emoji-\uD83D\uDE00.txt"]);
});

it("parses stream suffixes ([MS-FSCC] §2.1.5): a named $DATA stream, the file's own data, bad types", () => {
  expect(parsePath("dir\\f.txt:Stream One")).toEqual({
    components: ["dir", "f.txt"],
    stream: "Stream One",
    dataStream: false,
  });
  expect(parsePath("f.txt:\x05odd?*:$DaTa").stream).toBe("\x05odd?*");
  expect(parsePath("f.txt::$DATA")).toEqual({ components: ["f.txt"], stream: null, dataStream: true });
  expect(parsePath("f.txt").dataStream).toBe(false);
  for (const bad of ["f.txt:", "f.txt:s:$FOO", "f.txt:s:$DATA:x", "f.txt:a/b", "f.txt::"]) {
    expect(() => parsePath(bad), bad).toThrow(
      expect.objectContaining({ status: STATUS_OBJECT_NAME_INVALID }),
    );
  }
});

it("reads '/' in the file part as a separator, as Samba does; a trailing '/' is invalid", () => {
  expect(parsePath("smb2-timestamps/testfile.dat").components).toEqual(["smb2-timestamps", "testfile.dat"]);
  expect(parsePath("a/b\\c:s").components).toEqual(["a", "b", "c"]);
  expect(() => parsePath("dir/")).toThrow(expect.objectContaining({ status: STATUS_OBJECT_NAME_INVALID }));
});

it("resolves '..' lexically inside the share, as Samba; above the root is OBJECT_PATH_SYNTAX_BAD", () => {
  expect(parsePath("a\\zqy\\..").components).toEqual(["a"]);
  expect(parsePath("a\\b\\..\\c").components).toEqual(["a", "c"]);
  expect(() => parsePath("a\\..\\..\\etc")).toThrow(
    expect.objectContaining({ status: STATUS_OBJECT_PATH_SYNTAX_BAD }),
  );
});
