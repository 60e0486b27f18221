/**
 * Query-string parsing for the management API. Names are matched case-insensitively (as Durable Functions does);
 * a value that is present but invalid is a 400 naming the parameter, never silently ignored.
 * @module
 */
import { RUNTIME_STATUSES, type RuntimeStatus } from "../core/runtime-status.js";
import { InvalidArgumentError } from "../core/errors.js";
import { checkTags, type InstanceTags } from "../core/tags.js";
import { invalidParameter } from "./http-error.js";

/** Durable Functions' numeric `OrchestrationRuntimeStatus` values, also accepted in `runtimeStatus`. */
const NUMERIC_STATUSES: Readonly<Record<string, RuntimeStatus | "Canceled">> = {
  "0": "Running",
  "1": "Completed",
  "2": "ContinuedAsNew",
  "3": "Failed",
  "4": "Canceled",
  "5": "Terminated",
  "6": "Pending",
  "7": "Suspended",
};

/** Case-insensitive, validating access to a URL's query parameters. */
export class QueryParams {
  readonly #values = new Map<string, string[]>();

  constructor(search: URLSearchParams) {
    for (const [name, value] of search) {
      const key = name.toLowerCase();
      const list = this.#values.get(key);
      if (list) list.push(value);
      else this.#values.set(key, [value]);
    }
  }

  /** The first value of `name`, or `undefined`. */
  string(name: string): string | undefined {
    return this.#values.get(name.toLowerCase())?.[0];
  }

  /** `true` / `false` (any casing); `fallback` when absent. */
  boolean(name: string, fallback: boolean): boolean {
    const value = this.string(name);
    if (value === undefined) return fallback;
    const normalized = value.trim().toLowerCase();
    if (normalized === "true") return true;
    if (normalized === "false") return false;
    throw invalidParameter(name, `Query parameter '${name}' must be 'true' or 'false'.`);
  }

  /** An integer in `[min, max]`, or `undefined` when absent. */
  integer(name: string, min: number, max: number): number | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    const trimmed = value.trim();
    const number = Number(trimmed);
    if (!/^[+-]?\d+$/.test(trimmed) || !Number.isSafeInteger(number) || number < min || number > max)
      throw invalidParameter(name, `Query parameter '${name}' must be an integer from ${min} to ${max}.`);
    return number;
  }

  /** A non-negative number of seconds (fractions allowed), or `undefined` when absent. */
  seconds(name: string): number | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    const trimmed = value.trim();
    const number = Number(trimmed);
    if (trimmed === "" || !Number.isFinite(number) || number < 0 || number > 86_400)
      throw invalidParameter(name, `Query parameter '${name}' must be a number of seconds from 0 to 86400.`);
    return number;
  }

  /**
   * An ISO-8601 date or date-time, or `undefined` when absent. A time without an offset is taken as UTC (as the
   * timestamps Durable Functions prints are); an unencoded `+` in the offset (decoded as a space) is accepted.
   */
  date(name: string): Date | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    const trimmed = value.trim();
    const match =
      /^(\d{1,4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,7})?)?(Z|[+\- ]\d{2}:?\d{2})?)?$/i.exec(
        trimmed,
      );
    if (!match)
      throw invalidParameter(name, `Query parameter '${name}' must be an ISO-8601 date or date-time.`);
    const [, year = "", month, day, hour, minute, second, fraction, offset] = match;
    const iso =
      `${year.padStart(4, "0")}-${month}-${day}` +
      (hour !== undefined
        ? `T${hour}:${minute}:${second ?? "00"}${fraction ? fraction.slice(0, 4) : ""}${offset?.replace(" ", "+") ?? "Z"}`
        : "T00:00:00Z");
    const time = Date.parse(iso);
    if (!Number.isFinite(time))
      throw invalidParameter(name, `Query parameter '${name}' is not a valid date.`);
    return new Date(time);
  }

  /**
   * Runtime statuses from every occurrence of `name`, each a comma-separated list of names (any casing) or
   * Durable Functions' numeric values. `Canceled` is accepted and matches nothing. `undefined` when absent.
   */
  statuses(name: string): RuntimeStatus[] | undefined {
    const values = this.#values.get(name.toLowerCase());
    if (!values) return undefined;
    const result = new Set<RuntimeStatus>();
    let any = false;
    for (const part of values.flatMap((v) => v.split(","))) {
      const trimmed = part.trim();
      if (trimmed === "") continue;
      any = true;
      const status =
        NUMERIC_STATUSES[trimmed] ??
        (trimmed.toLowerCase() === "canceled"
          ? "Canceled"
          : RUNTIME_STATUSES.find((s) => s.toLowerCase() === trimmed.toLowerCase()));
      if (status === undefined)
        throw invalidParameter(
          name,
          `Query parameter '${name}' has the unknown runtime status ${JSON.stringify(trimmed.slice(0, 40))}; ` +
            `use ${RUNTIME_STATUSES.join(", ")}.`,
        );
      if (status !== "Canceled") result.add(status);
    }
    if (!any) return undefined;
    return [...result];
  }

  /**
   * Tags from the first occurrence of `name`: a JSON object of string keys and values (`tags={"tenant":"acme"}`,
   * URL-encoded). `undefined` when absent, empty or `{}`.
   */
  tags(name: string): InstanceTags | undefined {
    const value = this.string(name);
    if (value === undefined || value.trim() === "") return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      throw invalidParameter(
        name,
        `Query parameter '${name}' must be a JSON object, e.g. {"tenant":"acme"}.`,
      );
    }
    try {
      return checkTags(parsed, `Query parameter '${name}'`);
    } catch (error) {
      if (error instanceof InvalidArgumentError) throw invalidParameter(name, error.message);
      throw error;
    }
  }
}
