/**
 * Comparing orchestration versions, by Durable Functions' rules. Pure: no I/O, no state.
 *
 * 1. No version (`undefined`, `null`, `""` or only whitespace) equals no version.
 * 2. No version is older than any version.
 * 3. Two numeric dotted versions (`"2"`, `"1.10"`, `"1.2.3.4"`: digits separated by dots, surrounding whitespace
 *    ignored) compare component by component as numbers; a missing component counts as 0, so `"1.0"` equals
 *    `"1.0.0"`, and `"1.10"` is newer than `"1.9"`. Components of any length compare exactly (no overflow).
 * 4. Anything else compares as text, ignoring case (ordinally, as .NET's `OrdinalIgnoreCase`): `"v2-beta"` is newer
 *    than `"V10"`, and `"2025-01-01"` is older than `"2025-06-01"`.
 *
 * As in Durable Functions, mixing the two kinds is not transitive (`"2"` < `"10"` as numbers, `"10"` < `"1a"` and
 * `"1a"` < `"2"` as text): keep an app's versions to one scheme.
 * @module
 */

/** The result of a comparison: -1 (older), 0 (equal), 1 (newer). */
export type VersionOrder = -1 | 0 | 1;

const NUMERIC = /^\d+(?:\.\d+)*$/;

/** True when `version` is no version: `undefined`, `null`, empty or only whitespace. */
export function isNoVersion(version: string | null | undefined): boolean {
  return version === undefined || version === null || version.trim() === "";
}

/**
 * Compares version `a` with version `b` (see the module documentation for the rules).
 * @returns -1 when `a` is older than `b`, 0 when they are equal, 1 when `a` is newer.
 * @example
 * compareVersions("1.10", "1.9"); // 1
 * compareVersions(undefined, "1.0"); // -1
 * compareVersions("Beta", "beta"); // 0
 */
export function compareVersions(a: string | null | undefined, b: string | null | undefined): VersionOrder {
  const noA = isNoVersion(a);
  const noB = isNoVersion(b);
  if (noA || noB) return noA && noB ? 0 : noA ? -1 : 1;
  const left = a!.trim();
  const right = b!.trim();
  if (NUMERIC.test(left) && NUMERIC.test(right)) return compareNumeric(left, right);
  return sign(compareText(left.toUpperCase(), right.toUpperCase()));
}

function compareNumeric(a: string, b: string): VersionOrder {
  const left = a.split(".");
  const right = b.split(".");
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const order = compareDigits(left[i] ?? "0", right[i] ?? "0");
    if (order !== 0) return order;
  }
  return 0;
}

/** Compares two strings of decimal digits as the numbers they stand for, whatever their length. */
function compareDigits(a: string, b: string): VersionOrder {
  const left = a.replace(/^0+(?=\d)/, "");
  const right = b.replace(/^0+(?=\d)/, "");
  if (left.length !== right.length) return left.length < right.length ? -1 : 1;
  return sign(compareText(left, right));
}

/** Ordinal (UTF-16 code unit) comparison, independent of the locale. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sign(n: number): VersionOrder {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}
