/**
 * Retention policies: which finished instances are purged automatically, and after how long. Written in the config
 * file as `[{ "status": ["Completed", "Terminated"], "olderThan": "7d" }, { "status": ["Failed"], "olderThan": "30d" }]`
 * or on one line (flag, environment) as `Completed,Terminated:7d;Failed:30d`.
 * @module
 */
import { InvalidArgumentError } from "../core/errors.js";
import { isTerminalStatus, type RuntimeStatus } from "../core/runtime-status.js";

/** One retention policy: instances in one of `statuses`, created more than `olderThanMs` ago, are purged. */
export interface RetentionPolicy {
  /** Finished statuses only (`Completed`, `Failed`, `Terminated`). */
  readonly statuses: readonly RuntimeStatus[];
  /** Age, in milliseconds of creation time, past which an instance is purged. */
  readonly olderThanMs: number;
  /** The age as written (`7d`), for log lines. */
  readonly olderThan: string;
}

const UNITS: Readonly<Record<string, number>> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/**
 * Parses an age such as `90s`, `30m`, `12h`, `7d` or `2w` into milliseconds.
 * @throws InvalidArgumentError for anything else, or an age of zero.
 */
export function parseAge(text: unknown): number {
  const match = typeof text === "string" ? /^\s*(\d+)\s*([smhdw])\s*$/.exec(text) : null;
  const ms = match ? Number(match[1]) * UNITS[match[2]!]! : NaN;
  if (!Number.isSafeInteger(ms) || ms <= 0)
    throw new InvalidArgumentError(
      `olderThan must be a positive whole number of s, m, h, d or w, such as "7d" (got ${JSON.stringify(text)}).`,
    );
  return ms;
}

function policy(statuses: readonly unknown[], olderThan: unknown, index: number): RetentionPolicy {
  const where = `retention policy ${index + 1}`;
  if (statuses.length === 0) throw new InvalidArgumentError(`${where} needs at least one status.`);
  for (const status of statuses)
    if (typeof status !== "string" || !isTerminalStatus(status as RuntimeStatus))
      throw new InvalidArgumentError(
        `${where}: status ${JSON.stringify(status)} is not a finished status (Completed, Failed or Terminated).`,
      );
  try {
    return {
      statuses: [...new Set(statuses as RuntimeStatus[])],
      olderThanMs: parseAge(olderThan),
      olderThan: String(olderThan).trim(),
    };
  } catch (error) {
    throw new InvalidArgumentError(`${where}: ${(error as Error).message}`);
  }
}

/**
 * Parses retention policies: an array of `{ status, olderThan }` objects (`status` a status or an array of them),
 * a JSON text of one, or the one-line form `Completed,Terminated:7d;Failed:30d`. A status in two policies is refused
 * (which age would hold is unclear). Entities are never purged by retention.
 * @throws InvalidArgumentError naming the policy at fault.
 */
export function parseRetentionPolicies(value: unknown): RetentionPolicy[] {
  let policies: RetentionPolicy[];
  if (typeof value === "string" && value.trim().startsWith("[")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch (error) {
      throw new InvalidArgumentError(`retention is not valid JSON: ${(error as Error).message}`);
    }
    return parseRetentionPolicies(parsed);
  } else if (typeof value === "string") {
    policies = value
      .split(";")
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part, index) => {
        const colon = part.lastIndexOf(":");
        if (colon < 0)
          throw new InvalidArgumentError(
            `retention policy ${index + 1} ('${part}') must read <statuses>:<age>, e.g. "Completed,Terminated:7d".`,
          );
        const statuses = part
          .slice(0, colon)
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean);
        return policy(statuses, part.slice(colon + 1), index);
      });
  } else if (Array.isArray(value)) {
    policies = value.map((entry: unknown, index) => {
      if (typeof entry !== "object" || entry === null || Array.isArray(entry))
        throw new InvalidArgumentError(
          `retention policy ${index + 1} must be an object { status, olderThan }.`,
        );
      const record = entry as Record<string, unknown>;
      for (const key of Object.keys(record))
        if (key !== "status" && key !== "olderThan")
          throw new InvalidArgumentError(
            `retention policy ${index + 1}: unknown key '${key}' (expected status, olderThan; entities are never purged by retention).`,
          );
      const statuses = Array.isArray(record.status) ? record.status : [record.status];
      return policy(statuses as unknown[], record.olderThan, index);
    });
  } else throw new InvalidArgumentError("retention must be an array of { status, olderThan } policies.");
  const seen = new Set<string>();
  for (const p of policies)
    for (const status of p.statuses) {
      if (seen.has(status))
        throw new InvalidArgumentError(`retention: status ${status} is in more than one policy.`);
      seen.add(status);
    }
  return policies;
}
