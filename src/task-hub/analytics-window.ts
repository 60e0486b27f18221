/**
 * The window of an analytics query (`taskhub stats --since 24h --until ...`, `GET .../stats?since=...`): parsing
 * points in time (`24h`, `7d`, `30m` ago, ISO dates and date-times, `now`), choosing the throughput buckets' length
 * from the window's, and checking a query. Errors are {@link InvalidArgumentError}s with a message fit for a user.
 * @module
 */
import { InvalidArgumentError } from "../core/errors.js";
import type { AnalyticsQuery } from "./analytics.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Units of a relative time (`30m`, `24h`, `7d`). */
const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: MINUTE, h: HOUR, d: DAY, w: 7 * DAY };

/** Bucket lengths chosen from, shortest first; the first giving at most {@link TARGET_BUCKETS} buckets is taken. */
const BUCKET_SIZES = [MINUTE, 5 * MINUTE, 15 * MINUTE, HOUR, 6 * HOUR, DAY, 7 * DAY, 30 * DAY];
const TARGET_BUCKETS = 48;
/** The most buckets a query may ask for. */
export const MAX_BUCKETS = 1000;
/** The most slowest runs and failures listed per name. */
export const MAX_TOP = 100;
/** Slowest runs and failures listed per name unless told otherwise. */
export const DEFAULT_TOP = 5;
/** The default window: the last day. */
export const DEFAULT_WINDOW_MS = DAY;

/** A wrong value of an analytics query, naming the {@link parameter} at fault. */
export class AnalyticsQueryError extends InvalidArgumentError {
  constructor(
    /** The parameter at fault. */
    readonly parameter: keyof AnalyticsQueryText,
    message: string,
  ) {
    super(message);
  }
}

/** What {@link analyticsQuery} builds a query from: texts as typed (`since`/`until` as {@link parseTimePoint} reads). */
export interface AnalyticsQueryText {
  readonly since?: string | undefined;
  readonly until?: string | undefined;
  readonly name?: string | undefined;
  readonly top?: string | undefined;
  readonly bucket?: string | undefined;
}

/**
 * A point in time from its text, relative to `now` (epoch ms): a duration ago (`90s`, `30m`, `24h`, `7d`, `2w`,
 * `500ms`), `now`, or an ISO-8601 date (`2026-01-01`, midnight UTC) or date-time (`2026-01-01T08:00:00Z`; UTC
 * without an offset). `what` names the value in the error.
 * @throws InvalidArgumentError naming the forms accepted.
 */
export function parseTimePoint(text: string, now: number, what: string): number {
  const trimmed = text.trim();
  if (trimmed.toLowerCase() === "now") return now;
  const relative = parseDuration(trimmed);
  if (relative !== undefined) return now - relative;
  const match =
    /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i.exec(
      trimmed,
    );
  const time = match ? Date.parse(isoOf(match)) : NaN;
  if (!Number.isFinite(time))
    throw new InvalidArgumentError(
      `${what} needs a time ago such as 30m, 24h or 7d, 'now', or an ISO date or date-time such as 2026-01-01 or ` +
        `2026-01-01T08:00:00Z (got '${trimmed.slice(0, 40)}')`,
    );
  return time;
}

/** A length of time (`30m`, `24h`, `7d`...) in ms, or `undefined` when `text` is not one. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/i.exec(text.trim());
  if (!match) return undefined;
  const ms = Math.round(Number(match[1]) * UNITS[match[2]!.toLowerCase()]!);
  return Number.isSafeInteger(ms) ? ms : undefined;
}

function isoOf(match: RegExpExecArray): string {
  const [, year, month, day, hour, minute, second, fraction, offset] = match;
  if (hour === undefined) return `${year}-${month}-${day}T00:00:00Z`;
  const ms = fraction ? fraction.slice(0, 4) : "";
  return `${year}-${month}-${day}T${hour}:${minute}:${second ?? "00"}${ms}${offset?.toUpperCase() ?? "Z"}`;
}

/** The throughput buckets' length for a window of `windowMs`: hours for a day, minutes for half an hour... */
export function bucketSizeFor(windowMs: number): number {
  return BUCKET_SIZES.find((size) => Math.ceil(windowMs / size) <= TARGET_BUCKETS) ?? BUCKET_SIZES.at(-1)!;
}

/**
 * The query of the texts given, at `now` (the hub's clock): the last day unless told, up to `now` unless told, the
 * bucket length chosen from the window unless told (`bucket` as a duration: `1h`), {@link DEFAULT_TOP} unless told.
 * @throws AnalyticsQueryError naming the wrong value (`what(name)` names it as the caller spells it).
 */
export function analyticsQuery(
  text: AnalyticsQueryText,
  now: number,
  what: (name: keyof AnalyticsQueryText) => string = (name) => `'${name}'`,
): AnalyticsQuery {
  const point = (name: "since" | "until", value: string) => {
    try {
      return parseTimePoint(value, now, what(name));
    } catch (error) {
      throw error instanceof InvalidArgumentError ? new AnalyticsQueryError(name, error.message) : error;
    }
  };
  const until = text.until === undefined ? now : point("until", text.until);
  const since = text.since === undefined ? until - DEFAULT_WINDOW_MS : point("since", text.since);
  let top = DEFAULT_TOP;
  if (text.top !== undefined) {
    top = /^\d+$/.test(text.top.trim()) ? Number(text.top.trim()) : NaN;
    if (!Number.isSafeInteger(top) || top < 1 || top > MAX_TOP)
      throw new AnalyticsQueryError(
        "top",
        `${what("top")} needs a whole number from 1 to ${MAX_TOP} (got '${text.top}')`,
      );
  }
  let bucketMs = bucketSizeFor(until - since);
  if (text.bucket !== undefined) {
    const ms = parseDuration(text.bucket);
    if (ms === undefined || ms < 1000)
      throw new AnalyticsQueryError(
        "bucket",
        `${what("bucket")} needs a length of time of 1s or more, such as 5m or 1h (got '${text.bucket}')`,
      );
    bucketMs = ms;
  }
  if (text.name !== undefined && text.name.trim() === "")
    throw new AnalyticsQueryError("name", `${what("name")} needs an orchestration or activity name`);
  const query = { since, until, top, bucketMs, ...(text.name !== undefined ? { name: text.name } : {}) };
  checkAnalyticsQuery(query, what);
  return query;
}

/**
 * Checks a query: whole epoch-ms times with `since` before `until`, `top` from 1 to {@link MAX_TOP}, at most
 * {@link MAX_BUCKETS} buckets of at least 1 s.
 * @throws AnalyticsQueryError naming the wrong value.
 */
export function checkAnalyticsQuery(
  query: AnalyticsQuery,
  what: (name: keyof AnalyticsQueryText) => string = (name) => `'${name}'`,
): void {
  const { since, until, top, bucketMs } = query;
  if (!Number.isSafeInteger(since) || !Number.isSafeInteger(until))
    throw new AnalyticsQueryError("since", "An analytics window needs whole epoch-millisecond times.");
  if (since >= until)
    throw new AnalyticsQueryError(
      "since",
      `${what("since")} (${iso(since)}) must be before ${what("until")} (${iso(until)})`,
    );
  if (!Number.isSafeInteger(top) || top < 1 || top > MAX_TOP)
    throw new AnalyticsQueryError(
      "top",
      `${what("top")} needs a whole number from 1 to ${MAX_TOP} (got ${top})`,
    );
  if (!Number.isSafeInteger(bucketMs) || bucketMs < 1000)
    throw new AnalyticsQueryError(
      "bucket",
      `${what("bucket")} needs a whole number of milliseconds, 1000 or more`,
    );
  const buckets = Math.ceil((until - since) / bucketMs);
  if (buckets > MAX_BUCKETS)
    throw new AnalyticsQueryError(
      "bucket",
      `the window from ${iso(since)} to ${iso(until)} holds ${buckets} buckets of ${bucketMs} ms, more than ` +
        `${MAX_BUCKETS}: choose a longer ${what("bucket")} or a shorter window`,
    );
}

function iso(time: number): string {
  const date = new Date(time);
  return Number.isNaN(date.getTime()) ? String(time) : date.toISOString();
}
