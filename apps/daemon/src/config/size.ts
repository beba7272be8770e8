/**
 * Human byte sizes for the config ("512MiB", "2GB", "1048576"). Binary (KiB/MiB/GiB/TiB) and
 * decimal (kB/MB/GB/TB) units are both accepted because people write both; a bare number is bytes.
 */

const UNIT_BYTES: Readonly<Record<string, number>> = {
  "": 1,
  b: 1,
  k: 1024,
  kib: 1024,
  kb: 1000,
  m: 1024 ** 2,
  mib: 1024 ** 2,
  mb: 1000 ** 2,
  g: 1024 ** 3,
  gib: 1024 ** 3,
  gb: 1000 ** 3,
  t: 1024 ** 4,
  tib: 1024 ** 4,
  tb: 1000 ** 4,
};

const SIZE_PATTERN = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/;

/** Bytes for `value`, or an error message saying what is wrong with it. */
export function parseByteSize(value: string | number): { bytes: number } | { error: string } {
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value) || value < 0) return { error: "must be a non-negative integer" };
    return { bytes: value };
  }
  const match = SIZE_PATTERN.exec(value);
  if (match === null) return { error: `"${value}" is not a size (like 512MiB, 2GiB or 1048576)` };
  const unit = UNIT_BYTES[match[2]!.toLowerCase()];
  if (unit === undefined)
    return { error: `unknown unit "${match[2]}" (use B, KiB, MiB, GiB, TiB, kB, MB, GB, TB)` };
  const bytes = Math.round(Number(match[1]) * unit);
  if (!Number.isSafeInteger(bytes)) return { error: `"${value}" is too large` };
  return { bytes };
}
