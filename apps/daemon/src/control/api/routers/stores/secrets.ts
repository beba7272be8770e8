/**
 * Store secrets are write-only: the S3 secret key and the password inside a PostgreSQL URL are
 * never returned by list/get/create/update; `secrets` says which are set. An update that leaves a
 * secret out keeps the stored one (a form shows "set", the admin changes the bucket, the key stays).
 */
import type { StoreRecord } from "../../../store/types.ts";

export type SecretState = "set" | "unset";
export type RedactedStore = StoreRecord & { secrets: Record<string, SecretState> };

/** Config keys that hold a secret, per store type. */
const SECRET_KEYS: Readonly<Record<string, readonly string[]>> = { s3: ["secretAccessKey"] };
/** Config keys that hold a URL whose password is a secret, per store type. */
const URL_KEYS: Readonly<Record<string, readonly string[]>> = { postgres: ["url"] };

function parseUrl(value: unknown): URL | null {
  if (typeof value !== "string") return null;
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

export function redactStore(record: StoreRecord): RedactedStore {
  const config = { ...record.config };
  const secrets: Record<string, SecretState> = {};
  for (const key of SECRET_KEYS[record.type] ?? []) {
    secrets[key] = typeof config[key] === "string" && config[key] !== "" ? "set" : "unset";
    delete config[key];
  }
  for (const key of URL_KEYS[record.type] ?? []) {
    const url = parseUrl(config[key]);
    secrets[`${key}.password`] = url !== null && url.password !== "" ? "set" : "unset";
    if (url === null) delete config[key];
    else {
      url.password = "";
      config[key] = url.toString();
    }
  }
  return { ...record, config, secrets };
}

/**
 * The config to store for an update: secrets the input leaves out come from the stored config
 * (same store type only); a URL without a password keeps the stored password when it names the
 * same user, host and database.
 */
export function keepSecrets(
  stored: StoreRecord,
  type: string | undefined,
  config: Record<string, unknown> | undefined,
): Record<string, unknown> | undefined {
  if (config === undefined || (type !== undefined && type !== stored.type)) return config;
  const merged = { ...config };
  for (const key of SECRET_KEYS[stored.type] ?? []) {
    const sent = merged[key];
    if ((sent === undefined || sent === "") && stored.config[key] !== undefined)
      merged[key] = stored.config[key];
  }
  for (const key of URL_KEYS[stored.type] ?? []) {
    const next = parseUrl(merged[key]);
    const before = parseUrl(stored.config[key]);
    if (next === null || before === null || next.password !== "" || before.password === "") continue;
    const withPassword = new URL(next.toString());
    withPassword.password = before.password;
    before.password = "";
    if (before.toString() === next.toString()) merged[key] = withPassword.toString();
  }
  return merged;
}
