/**
 * Checking an options object against what a function accepts, so a misspelt or mistyped option is an error rather
 * than a default silently used instead (a production config pointing at the wrong database without a word).
 * @module
 */
import { InvalidArgumentError } from "./errors.js";

/** What one option may hold (`undefined` is always allowed: the option's default). */
export type OptionKind = "string" | "number" | "integer" | "boolean" | "object" | "function";

/** The options a function accepts: name → kind. */
export type OptionSpec = Readonly<Record<string, OptionKind>>;

/**
 * Throws an {@link InvalidArgumentError} naming `what` when `options` is not a plain object, has a key `spec` does
 * not list (with the accepted keys, and a near match when one exists), or a value of the wrong kind.
 */
export function checkOptions(what: string, options: unknown, spec: OptionSpec): void {
  if (options === undefined) return;
  if (typeof options !== "object" || options === null || Array.isArray(options))
    throw new InvalidArgumentError(`${what}: options must be an object, got ${describe(options)}.`);
  const known = Object.keys(spec);
  for (const [key, value] of Object.entries(options)) {
    const kind = spec[key];
    if (kind === undefined) {
      const near = known.find((k) => isNear(k, key));
      throw new InvalidArgumentError(
        `${what}: unknown option '${key}'.` +
          (near ? ` Did you mean '${near}'?` : "") +
          ` Accepted options: ${known.join(", ")}.`,
      );
    }
    if (value !== undefined && !hasKind(value, kind))
      throw new InvalidArgumentError(
        `${what}: option '${key}' must be ${article(kind)}, got ${describe(value)}.`,
      );
  }
}

function hasKind(value: unknown, kind: OptionKind): boolean {
  switch (kind) {
    case "string":
      return typeof value === "string";
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "integer":
      return Number.isInteger(value);
    case "boolean":
      return typeof value === "boolean";
    case "object":
      return typeof value === "object" && value !== null && !Array.isArray(value);
    case "function":
      return typeof value === "function";
  }
}

function article(kind: OptionKind): string {
  return kind === "integer" || kind === "object" ? `an ${kind}` : `a ${kind}`;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  // Strings are not quoted: a connection string holds a password.
  if (typeof value === "string") return "a string";
  if (typeof value === "number") return `the number ${value}`;
  return `a ${typeof value}`;
}

/** True when `key` is a likely misspelling of `known`: other case, one edit away, or a prefix of it (`busyTimeout`). */
function isNear(known: string, key: string): boolean {
  const [a, b] = [known.toLowerCase(), key.toLowerCase()];
  return a === b || isOneEditAway(a, b) || (b.length >= 3 && (a.startsWith(b) || b.startsWith(a)));
}

/** True when `a` and `b` differ by one insertion, deletion or substitution (a likely typo). */
function isOneEditAway(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const restA = a.slice(i + (a.length >= b.length ? 1 : 0));
  const restB = b.slice(i + (b.length >= a.length ? 1 : 0));
  return restA === restB;
}
