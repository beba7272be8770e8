/**
 * Picks the kernel modules the guest's initramfs carries: the NFS and CIFS clients, virtio
 * networking, fw_cfg, 9p, and every crypto module (cifs allocates `gcm(aes)`, `ccm(aes)`,
 * `cmac(aes)`, `sha512`, md4/arc4/des through templates; with only the obvious ones SMB3
 * negotiate fails with "Failed alloc encrypt aead"), closed under modules.dep.
 */
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";

/** Modules wanted by name; their dependencies come along. */
export const ROOT_MODULES = [
  "nfs",
  "nfsv3",
  "nfsv4",
  "sunrpc",
  "lockd",
  "cifs",
  "virtio_pci",
  "virtio_net",
  "qemu_fw_cfg",
  "9p",
  "9pnet_virtio",
  "nls_utf8",
] as const;

/** Whole directories of the module tree that are wanted (all crypto, for cifs). */
export const ROOT_MODULE_DIRS = ["kernel/crypto/", "kernel/arch/x86/crypto/", "kernel/lib/crypto/"] as const;

function moduleName(path: string): string {
  return basename(path)
    .replace(/\.ko(\.xz|\.zst|\.gz)?$/, "")
    .replace(/-/g, "_");
}

/** Parses modules.dep into path → dependency paths (paths relative to the release dir). */
export function parseModulesDep(text: string): Map<string, string[]> {
  const deps = new Map<string, string[]>();
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const rest = line.slice(colon + 1).trim();
    deps.set(line.slice(0, colon), rest === "" ? [] : rest.split(/\s+/));
  }
  return deps;
}

/** The module files (relative paths) to copy: the roots and everything they depend on. */
export function selectModules(deps: Map<string, string[]>): string[] {
  const byName = new Map<string, string>();
  for (const path of deps.keys()) byName.set(moduleName(path), path);
  const todo: string[] = [];
  for (const name of ROOT_MODULES) {
    const path = byName.get(name);
    if (path === undefined) throw new Error(`kernel module ${name} not found in modules.dep`);
    todo.push(path);
  }
  for (const path of deps.keys()) {
    if (ROOT_MODULE_DIRS.some((dir) => path.startsWith(dir))) todo.push(path);
  }
  const chosen = new Set<string>();
  while (todo.length > 0) {
    const path = todo.pop() as string;
    if (chosen.has(path)) continue;
    chosen.add(path);
    for (const dep of deps.get(path) ?? []) todo.push(dep);
  }
  return [...chosen].sort();
}

export function selectModulesIn(releaseDir: string): string[] {
  return selectModules(parseModulesDep(readFileSync(join(releaseDir, "modules.dep"), "utf8")));
}
