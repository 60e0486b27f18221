/**
 * Instance tags: string keys and values given when an instance starts (`startNew(def, { tags })`), stored with it and
 * matched by list filters (`InstanceFilter.tags`).
 * @module
 */
import { InvalidArgumentError } from "./errors.js";

/** Tags of an instance: string keys and values. */
export type InstanceTags = Readonly<Record<string, string>>;

/** Most tags on one instance (and in one filter). */
export const MAX_TAGS = 50;
/** Longest tag key, in characters. */
export const MAX_TAG_KEY_LENGTH = 256;
/** Longest tag value, in characters. */
export const MAX_TAG_VALUE_LENGTH = 1024;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Checks tags (`what` names them in errors: "tags", "tags filter"); returns a plain copy, or `undefined` for none
 * (absent or empty).
 * @throws InvalidArgumentError unless `tags` is a plain object of at most {@link MAX_TAGS} entries whose keys are
 *   1 to {@link MAX_TAG_KEY_LENGTH} characters and values strings of at most {@link MAX_TAG_VALUE_LENGTH} characters,
 *   without lone surrogates.
 */
export function checkTags(tags: unknown, what = "tags"): InstanceTags | undefined {
  if (tags === undefined) return undefined;
  if (tags === null || typeof tags !== "object" || Array.isArray(tags))
    throw new InvalidArgumentError(`${what} must be an object of string keys and string values.`);
  const entries = Object.entries(tags as Record<string, unknown>);
  if (entries.length > MAX_TAGS)
    throw new InvalidArgumentError(`${what} has ${entries.length} entries; at most ${MAX_TAGS} are allowed.`);
  const copy: Record<string, string> = {};
  for (const [key, value] of entries) {
    if (key.length === 0 || key.length > MAX_TAG_KEY_LENGTH || LONE_SURROGATE.test(key))
      throw new InvalidArgumentError(
        `${what}: a key must be 1 to ${MAX_TAG_KEY_LENGTH} characters of well-formed text, got '${key.slice(0, 40)}'.`,
      );
    if (typeof value !== "string")
      throw new InvalidArgumentError(
        `${what}: the value of '${key}' must be a string, got ${value === null ? "null" : typeof value}.`,
      );
    if (value.length > MAX_TAG_VALUE_LENGTH || LONE_SURROGATE.test(value))
      throw new InvalidArgumentError(
        `${what}: the value of '${key}' must be at most ${MAX_TAG_VALUE_LENGTH} characters of well-formed text.`,
      );
    copy[key] = value;
  }
  return entries.length === 0 ? undefined : copy;
}

/** True when `tags` carries every entry of `wanted`. */
export function hasTags(tags: InstanceTags | undefined, wanted: InstanceTags): boolean {
  for (const [key, value] of Object.entries(wanted))
    if (tags === undefined || !Object.hasOwn(tags, key) || tags[key] !== value) return false;
  return true;
}
