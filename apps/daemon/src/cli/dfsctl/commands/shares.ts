/**
 * `dfsctl share list|get|create|update|delete`, `share permission list|set|remove` and the
 * migration commands (migrate.ts).
 */
import { ACCESS_LEVELS, type AccessLevel, type NfsClientRule, nfsClientHostSchema } from "@dittofs/shared";
import { type Command, InvalidArgumentError } from "commander";
import type { SharePermissionRecord, ShareRecord } from "../../../control/store/types.ts";
import { SQUASH_MODES } from "../../../domain/share.ts";
import { contextOf, parseInteger } from "../context.ts";
import { type Column, print, printDone } from "../output.ts";
import { registerMigration } from "./migrate.ts";

const SHARE_COLUMNS: Column<ShareRecord>[] = [
  { header: "name", value: (s) => s.name },
  { header: "metadata", value: (s) => s.metadataStore },
  { header: "block", value: (s) => s.blockStore },
  { header: "read-only", value: (s) => s.readOnly },
  { header: "squash", value: (s) => s.squash },
  { header: "anon", value: (s) => `${s.anonUid}:${s.anonGid}` },
  { header: "protocols", value: (s) => [s.nfs ? "nfs" : null, s.smb ? "smb" : null].filter(Boolean) },
  { header: "nfs clients", value: (s) => formatClients(s.nfsClients) },
  { header: "anonymous", value: (s) => s.anonymousAccess },
];

/** exports(5)-like text: `10.0.0.0/8(rw),*(ro)`. */
export function formatClients(rules: readonly NfsClientRule[]): string {
  return rules.map((r) => `${r.host}(${r.access === "read" ? "ro" : "rw"})`).join(",");
}

/** `HOST[(ro|rw)],…` → client list; a host without options is read-write. An empty string is no host. */
export function parseClients(value: string): NfsClientRule[] {
  if (value.trim() === "") return [];
  return value.split(",").map((item) => {
    const m = /^\s*([^()\s]+)\s*(?:\((ro|rw)\))?\s*$/.exec(item);
    const host = m?.[1];
    if (host === undefined || !nfsClientHostSchema.safeParse(host).success) {
      throw new InvalidArgumentError(
        `"${item}": use HOST(ro|rw) with HOST *, an IP address or a CIDR network`,
      );
    }
    return { host, access: m?.[2] === "ro" ? "read" : "read-write" };
  });
}

function parseAccess(value: string): AccessLevel {
  const level = ACCESS_LEVELS.find((l) => l === value);
  if (level === undefined) throw new InvalidArgumentError(`use ${ACCESS_LEVELS.join(", ")}`);
  return level;
}

const PERMISSION_COLUMNS: Column<SharePermissionRecord>[] = [
  { header: "share", value: (p) => p.share },
  { header: "user", value: (p) => p.user },
  { header: "group", value: (p) => p.group },
  { header: "level", value: (p) => p.level },
];

type Squash = ShareRecord["squash"];
type Level = SharePermissionRecord["level"];

function parseSquash(value: string): Squash {
  const mode = SQUASH_MODES.find((m) => m === value);
  if (mode === undefined) throw new InvalidArgumentError(`use ${SQUASH_MODES.join(", ")}`);
  return mode;
}

interface ShareOptions {
  metadataStore?: string;
  blockStore?: string;
  readOnly?: boolean;
  squash?: Squash;
  anonUid?: number;
  anonGid?: number;
  nfs?: boolean;
  smb?: boolean;
  guest?: boolean;
  encryptData?: boolean;
  nfsClients?: NfsClientRule[];
  anonymous?: AccessLevel;
}

/** Options shared by create and update; `--no-x` flags leave the value undefined unless given. */
function shareOptions(command: Command): Command {
  return command
    .option("--read-only", "export read-only")
    .option("--read-write", "export read-write")
    .option("--squash <mode>", SQUASH_MODES.join(" | "), parseSquash)
    .option("--anon-uid <uid>", "uid squashed callers become", parseInteger)
    .option("--anon-gid <gid>", "gid squashed callers become", parseInteger)
    .option("--nfs <on>", "serve over NFS (true|false)", parseBool)
    .option("--smb <on>", "serve over SMB (true|false)", parseBool)
    .option("--guest <on>", "allow SMB guest access (true|false)", parseBool)
    .option("--encrypt-data <on>", "require SMB 3 encryption on this share (true|false)", parseBool)
    .option(
      "--nfs-clients <list>",
      "NFS hosts allowed, first match wins: HOST(ro|rw),… (HOST *, IP, CIDR)",
      parseClients,
    )
    .option("--anonymous <level>", `NFS uids that name no user: ${ACCESS_LEVELS.join(" | ")}`, parseAccess);
}

function parseBool(value: string): boolean {
  if (value !== "true" && value !== "false") throw new InvalidArgumentError("use true or false");
  return value === "true";
}

function fields(opts: ShareOptions & { readWrite?: boolean }) {
  return {
    metadataStore: opts.metadataStore,
    blockStore: opts.blockStore,
    readOnly: opts.readOnly ? true : opts.readWrite ? false : undefined,
    squash: opts.squash,
    anonUid: opts.anonUid,
    anonGid: opts.anonGid,
    nfs: opts.nfs,
    smb: opts.smb,
    guest: opts.guest,
    encryptData: opts.encryptData,
    nfsClients: opts.nfsClients,
    anonymousAccess: opts.anonymous,
  };
}

export function registerShares(program: Command): void {
  const share = program.command("share").description("manage shares and their permissions");

  share
    .command("list")
    .description("list shares")
    .action(async (_opts: unknown, command: Command) => {
      const ctx = contextOf(command);
      const { client } = ctx;
      print(ctx, await client.shares.list.query(), SHARE_COLUMNS);
    });

  share
    .command("get <name>")
    .description("show one share")
    .action(async (name: string, _opts: unknown, command: Command) => {
      const ctx = contextOf(command);
      const { client } = ctx;
      print(ctx, await client.shares.get.query({ name }), SHARE_COLUMNS);
    });

  shareOptions(
    share
      .command("create <name>")
      .description("create a share (like /projects) on a metadata store and a block store")
      .requiredOption("-m, --metadata-store <store>", "metadata store name")
      .requiredOption("-b, --block-store <store>", "block store name"),
  ).action(
    async (name: string, opts: ShareOptions & { metadataStore: string; blockStore: string }, command) => {
      const ctx = contextOf(command);
      const { client } = ctx;
      const input = { name, ...fields(opts), metadataStore: opts.metadataStore, blockStore: opts.blockStore };
      print(ctx, await client.shares.create.mutate(input), SHARE_COLUMNS);
    },
  );

  shareOptions(
    share
      .command("update <name>")
      .description("change a share's options (takes effect at once)")
      .option("-m, --metadata-store <store>", "metadata store name")
      .option("-b, --block-store <store>", "block store name"),
  ).action(async (name: string, opts: ShareOptions, command) => {
    const ctx = contextOf(command);
    const { client } = ctx;
    print(ctx, await client.shares.update.mutate({ name, ...fields(opts) }), SHARE_COLUMNS);
  });

  share
    .command("delete <name>")
    .description("delete a share (its data stays in the stores)")
    .action(async (name: string, _opts: unknown, command: Command) => {
      const ctx = contextOf(command);
      const { client } = ctx;
      await client.shares.delete.mutate({ name });
      printDone(ctx, `deleted share ${name}`);
    });

  registerMigration(share);

  const permission = share.command("permission").description("who may use a share");
  permission
    .command("list <share>")
    .description("list grants on a share")
    .action(async (name: string, _opts: unknown, command: Command) => {
      const ctx = contextOf(command);
      const { client } = ctx;
      print(ctx, await client.shares.permissions.list.query({ name }), PERMISSION_COLUMNS);
    });
  permission
    .command("set <share> <level>")
    .description("grant none | read | read-write | admin to --user or --group")
    .option("--user <username>", "the user")
    .option("--group <group>", "the group")
    .action(async (name: string, level: Level, opts: { user?: string; group?: string }, command: Command) => {
      const ctx = contextOf(command);
      const { client } = ctx;
      print(
        ctx,
        await client.shares.permissions.set.mutate({ name, level, user: opts.user, group: opts.group }),
        PERMISSION_COLUMNS,
      );
    });
  permission
    .command("remove <share>")
    .description("remove the grant of --user or --group")
    .option("--user <username>", "the user")
    .option("--group <group>", "the group")
    .action(async (name: string, opts: { user?: string; group?: string }, command: Command) => {
      const ctx = contextOf(command);
      const { client } = ctx;
      await client.shares.permissions.remove.mutate({ name, user: opts.user, group: opts.group });
      printDone(ctx, `removed grant on ${name}`);
    });
}
