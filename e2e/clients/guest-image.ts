/**
 * Builds, once per machine and kernel version, the test guest from Debian packages only:
 * the kernel package that `linux-image-amd64` depends on (fetched with `apt-get download`, never
 * installed), unpacked with `dpkg-deb -x`, its uncompressed `vmlinux` (Debian's kernel has a PVH
 * entry point, so qemu boots the ELF directly and skips ~2 s of xz under TCG), and an initramfs
 * with the static busybox, the modules from kernel-modules.ts and guest-init.ts as /init.
 *
 * Layout: e2e/.cache/guest/<kernel package>_<version>_<recipe hash>/{vmlinux,initramfs.cpio,
 * manifest.json}; the recipe hash covers /init, the module choice and busybox.
 * Builders take a lock file and publish with an atomic rename, so concurrent test runs neither
 * build twice nor see half an image. DITTOFS_GUEST_CACHE overrides the cache root.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { buildOnce } from "./cache-lock.ts";
import { GUEST_INIT } from "./guest-init.ts";
import { ROOT_MODULE_DIRS, ROOT_MODULES, selectModulesIn } from "./kernel-modules.ts";

export interface GuestImage {
  dir: string;
  /** Debian package, e.g. linux-image-6.1.0-56-amd64. */
  kernelPackage: string;
  packageVersion: string;
  /** `uname -r` in the guest, e.g. 6.1.0-56-amd64. */
  kernelRelease: string;
  vmlinux: string;
  initramfs: string;
}

const META_PACKAGE = "linux-image-amd64";
const BUSYBOX = "/bin/busybox";
const APT_LISTS_DIR = "/var/lib/apt/lists";
const XZ_MAGIC = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);
const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);
/** Modules metadata depmod and busybox modprobe read besides modules.dep/alias. */
const MODULE_META_FILES = ["modules.builtin", "modules.builtin.modinfo", "modules.order"];

export function guestCacheRoot(): string {
  const given = process.env.DITTOFS_GUEST_CACHE;
  if (given !== undefined && given !== "") return given;
  return join(import.meta.dirname, "..", ".cache", "guest");
}

function run(cmd: string, args: string[], cwd?: string): string {
  return execFileSync(cmd, args, {
    cwd,
    encoding: "utf8",
    maxBuffer: 64 << 20,
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** The concrete kernel package behind linux-image-amd64 and its version, from the apt lists. */
export function resolveKernelPackage(): { name: string; version: string } {
  const show = () =>
    spawnSync("apt-cache", ["show", "--no-all-versions", META_PACKAGE], { encoding: "utf8" });
  let r = show();
  if (r.status !== 0 && process.getuid?.() === 0) {
    run("apt-get", ["update", "-qq"]);
    r = show();
  }
  // The meta package pins its kernel: "Depends: linux-image-6.1.0-56-amd64 (= 6.1.192-2)".
  const m = /^Depends: (linux-image-\d[^\s,]*)(?: \(= ([^)\s]+)\))?/m.exec(r.stdout ?? "");
  if (m?.[1] === undefined) throw new Error(`apt-cache show ${META_PACKAGE} names no kernel package`);
  if (m[2] !== undefined) return { name: m[1], version: m[2] };
  const v = /^Version: (\S+)/m.exec(run("apt-cache", ["show", "--no-all-versions", m[1]]));
  if (v?.[1] === undefined) throw new Error(`apt-cache show ${m[1]} has no Version`);
  return { name: m[1], version: v[1] };
}

/**
 * resolveKernelPackage costs 1–2 s of apt-cache on a busy machine, paid by every test file:
 * remember its answer until the apt lists change (apt-get update replaces files in the dir).
 */
function resolveKernelPackageCached(root: string): { name: string; version: string } {
  const memo = join(root, "kernel-package.json");
  let listsMtimeMs = 0;
  try {
    listsMtimeMs = statSync(APT_LISTS_DIR).mtimeMs;
  } catch {
    return resolveKernelPackage();
  }
  try {
    const m = JSON.parse(readFileSync(memo, "utf8")) as {
      listsMtimeMs: number;
      name: string;
      version: string;
    };
    if (m.listsMtimeMs === listsMtimeMs) return { name: m.name, version: m.version };
  } catch {
    // no memo yet, or a torn one: resolve again
  }
  const pkg = resolveKernelPackage();
  const tmp = `${memo}.${process.pid}`;
  writeFileSync(tmp, JSON.stringify({ listsMtimeMs, ...pkg }));
  renameSync(tmp, memo);
  return pkg;
}

/** Changes whenever what goes into the image changes, so an old cached image is not reused. */
function recipeHash(): string {
  const h = createHash("sha256");
  h.update(JSON.stringify({ GUEST_INIT, ROOT_MODULES, ROOT_MODULE_DIRS, MODULE_META_FILES }));
  h.update(String(statSync(BUSYBOX).size));
  return h.digest("hex").slice(0, 10);
}

function imageFrom(dir: string): GuestImage {
  const m = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as Omit<
    GuestImage,
    "dir" | "vmlinux" | "initramfs"
  >;
  return { ...m, dir, vmlinux: join(dir, "vmlinux"), initramfs: join(dir, "initramfs.cpio") };
}

/** Returns the cached guest image, building it first if this machine has none for the kernel. */
export async function ensureGuestImage(): Promise<GuestImage> {
  const root = guestCacheRoot();
  mkdirSync(root, { recursive: true });
  const pkg = resolveKernelPackageCached(root);
  const dir = join(root, `${pkg.name}_${pkg.version}_${recipeHash()}`);
  const done = () => existsSync(join(dir, "manifest.json"));
  await buildOnce(join(root, ".build.lock"), done, async () => {
    buildImage(pkg, dir);
    pruneCache(root, dir);
  });
  return imageFrom(dir);
}

/** Images and build dirs untouched this long are not in use by any run. */
const PRUNE_AGE_MS = 60 * 60_000;

/** Removes other (older kernel or recipe) images and abandoned build dirs, ~80 MB each. */
function pruneCache(root: string, keep: string): void {
  for (const name of readdirSync(root)) {
    const path = join(root, name);
    if (path === keep || !(name.startsWith("linux-image-") || name.startsWith(".build-"))) continue;
    if (Date.now() - statSync(path).mtimeMs > PRUNE_AGE_MS) rmSync(path, { recursive: true, force: true });
  }
}

function buildImage(pkg: { name: string; version: string }, finalDir: string): void {
  const work = mkdtempSync(join(dirname(finalDir), ".build-"));
  try {
    run("apt-get", ["download", `${pkg.name}=${pkg.version}`], work);
    const deb = readdirSync(work).find((f) => f.endsWith(".deb"));
    if (deb === undefined) throw new Error(`apt-get download ${pkg.name} produced no .deb`);
    const tree = join(work, "tree");
    run("dpkg-deb", ["-x", join(work, deb), tree]);
    rmSync(join(work, deb));
    const release = readdirSync(join(tree, "lib", "modules"))[0];
    if (release === undefined) throw new Error(`${pkg.name} has no /lib/modules`);
    run("depmod", ["-b", tree, release]);
    const out = join(work, "out");
    mkdirSync(out);
    writeVmlinux(join(tree, "boot", `vmlinuz-${release}`), join(out, "vmlinux"));
    const stage = join(work, "stage");
    stageInitramfs(tree, release, stage);
    writeCpio(stage, join(out, "initramfs.cpio"));
    const manifest = { kernelPackage: pkg.name, packageVersion: pkg.version, kernelRelease: release };
    writeFileSync(join(out, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    renameSync(out, finalDir);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Finds the xz payload in the bzImage that unpacks to an ELF image (extract-vmlinux's method). */
function writeVmlinux(bzImage: string, dest: string): void {
  const image = readFileSync(bzImage);
  for (let at = image.indexOf(XZ_MAGIC); at >= 0; at = image.indexOf(XZ_MAGIC, at + 1)) {
    const r = spawnSync("xz", ["-dc", "--single-stream"], {
      input: image.subarray(at),
      maxBuffer: 1 << 30,
    });
    const elf = r.stdout;
    if (elf !== null && elf.length > 4 && elf.subarray(0, 4).equals(ELF_MAGIC)) {
      writeFileSync(dest, elf);
      return;
    }
  }
  throw new Error(`no xz-compressed ELF kernel found in ${bzImage}`);
}

function stageInitramfs(tree: string, release: string, stage: string): void {
  for (const d of ["bin", "sbin", "usr/bin", "usr/sbin", "proc", "sys", "dev", "tmp", "mnt", "root", "etc"]) {
    mkdirSync(join(stage, d), { recursive: true });
  }
  copyFileSync(BUSYBOX, join(stage, "bin", "busybox"));
  chmodSync(join(stage, "bin", "busybox"), 0o755);
  const applets = run(BUSYBOX, ["--list-full"]).split("\n").filter(Boolean);
  for (const applet of applets) {
    const link = join(stage, applet);
    if (applet === "bin/busybox" || existsSync(link)) continue;
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync("/bin/busybox", link);
  }
  writeFileSync(join(stage, "init"), GUEST_INIT, { mode: 0o755 });
  writeFileSync(join(stage, "etc", "passwd"), "root:x:0:0:root:/root:/bin/sh\n");
  writeFileSync(join(stage, "etc", "group"), "root:x:0:\n");
  const srcMods = join(tree, "lib", "modules", release);
  const dstMods = join(stage, "lib", "modules", release);
  for (const rel of selectModulesIn(srcMods)) {
    mkdirSync(dirname(join(dstMods, rel)), { recursive: true });
    copyFileSync(join(srcMods, rel), join(dstMods, rel));
  }
  for (const f of MODULE_META_FILES) {
    if (existsSync(join(srcMods, f))) copyFileSync(join(srcMods, f), join(dstMods, f));
  }
  run("depmod", ["-b", stage, release]);
}

/** An uncompressed newc archive: qemu loads it as-is and the kernel skips a decompression pass. */
function writeCpio(stage: string, dest: string): void {
  const r = spawnSync(
    "sh",
    ["-c", `find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc -R 0:0 --quiet > "${dest}"`],
    {
      cwd: stage,
      encoding: "utf8",
    },
  );
  if (r.status !== 0) throw new Error(`cpio failed: ${r.stderr}`);
}
