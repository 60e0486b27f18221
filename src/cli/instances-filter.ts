/**
 * The filter flags of `taskhub instances list` and `purge` (`--status`, `--name`, `--prefix`, `--created-from`,
 * `--created-to` / `--created-before`, `--version`, `--tag k=v`), checked into the client's listing options.
 * @module
 */
import type { ListInstancesOptions } from "../client/durable-client.js";
import { InvalidArgumentError } from "../core/errors.js";
import { RUNTIME_STATUSES, type RuntimeStatus } from "../core/runtime-status.js";
import { checkTags } from "../core/tags.js";
import { UsageError } from "./usage-error.js";

/** The filters of a command line. */
export type InstanceFilterFlags = Pick<
  ListInstancesOptions,
  "runtimeStatus" | "createdTimeFrom" | "createdTimeTo" | "instanceIdPrefix" | "name" | "version" | "tags"
>;

const COMMAND = "instances";

/**
 * The filters given by `flags` and the repeated `--tag` values.
 * @throws UsageError for an unknown status, a date that does not parse, or a malformed tag.
 */
export function instanceFilterFlags(
  flags: Readonly<Record<string, string | boolean | undefined>>,
  tagFlags: readonly string[],
): InstanceFilterFlags {
  const text = (name: string) => (typeof flags[name] === "string" ? flags[name] : undefined);
  const filter: { -readonly [K in keyof InstanceFilterFlags]: InstanceFilterFlags[K] } = {};
  const status = text("status");
  if (status !== undefined) filter.runtimeStatus = statuses(status);
  const from = text("created-from");
  if (from !== undefined) filter.createdTimeFrom = date(from, "--created-from");
  if (text("created-to") !== undefined && text("created-before") !== undefined)
    throw new UsageError("give --created-to or --created-before, not both", COMMAND);
  const to = text("created-to") ?? text("created-before");
  if (to !== undefined)
    filter.createdTimeTo = date(to, text("created-to") !== undefined ? "--created-to" : "--created-before");
  const prefix = text("prefix");
  if (prefix !== undefined) filter.instanceIdPrefix = prefix;
  const name = text("name");
  if (name !== undefined) filter.name = name;
  const version = text("version");
  if (version !== undefined) filter.version = version;
  if (tagFlags.length > 0) filter.tags = tags(tagFlags);
  return filter;
}

function statuses(text: string): RuntimeStatus[] {
  const result = new Set<RuntimeStatus>();
  for (const part of text.split(",")) {
    const wanted = part.trim().toLowerCase();
    if (wanted === "") continue;
    const status = RUNTIME_STATUSES.find((s) => s.toLowerCase() === wanted);
    if (status === undefined)
      throw new UsageError(
        `unknown status '${part.trim()}' in --status (use ${RUNTIME_STATUSES.join(", ")})`,
        COMMAND,
      );
    result.add(status);
  }
  if (result.size === 0) throw new UsageError("--status needs at least one status", COMMAND);
  return [...result];
}

function date(text: string, flag: string): Date {
  const time = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : NaN;
  if (!Number.isFinite(time))
    throw new UsageError(
      `${flag} must be an ISO date or date-time (2026-01-01, 2026-01-01T08:00:00Z), got '${text}'`,
      COMMAND,
    );
  return new Date(time);
}

function tags(values: readonly string[]): Readonly<Record<string, string>> {
  const wanted: Record<string, string> = {};
  for (const value of values) {
    const at = value.indexOf("=");
    if (at <= 0) throw new UsageError(`--tag must be KEY=VALUE, got '${value}'`, COMMAND);
    const key = value.slice(0, at);
    if (Object.hasOwn(wanted, key) && wanted[key] !== value.slice(at + 1))
      throw new UsageError(`--tag gives '${key}' two values`, COMMAND);
    wanted[key] = value.slice(at + 1);
  }
  try {
    return checkTags(wanted, "--tag") ?? {};
  } catch (error) {
    if (error instanceof InvalidArgumentError)
      throw new UsageError(error.message.replace(/\.$/, ""), COMMAND);
    throw error;
  }
}
