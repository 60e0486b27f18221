/**
 * Worker versioning, as Durable Functions' `versionMatchStrategy` and `versionFailureStrategy`: which orchestration
 * instances a worker may run, given the version stamped on each, and what it does with the others. Pure: the options,
 * their check, and the decision for one instance.
 * @module
 */
import { InvalidArgumentError } from "./errors.js";
import { compareVersions, isNoVersion } from "./version-compare.js";

/** Which instances a versioned worker runs. */
export type VersionMatchStrategy =
  /** Every instance, whatever its version (versioning off). */
  | "None"
  /** Only instances of exactly the worker's version (by {@link compareVersions}: `"1.0"` is `"1.0.0"`). */
  | "Strict"
  /** Instances of the worker's version or older, and instances without a version. */
  | "CurrentOrOlder";

/** What a versioned worker does with an instance it must not run. */
export type VersionFailureStrategy =
  /** Leave it for a compatible worker: the work item is abandoned with a short delay (not a failed delivery). */
  | "Reject"
  /** Fail the instance with a `VersionMismatchError` naming both versions. */
  | "Fail";

/** The match strategies, in documentation order. */
export const VERSION_MATCH_STRATEGIES: readonly VersionMatchStrategy[] = ["None", "Strict", "CurrentOrOlder"];
/** The failure strategies. */
export const VERSION_FAILURE_STRATEGIES: readonly VersionFailureStrategy[] = ["Reject", "Fail"];

/**
 * A worker's versioning (`WorkerOptions.versioning`).
 * @example
 * { version: "2.0", matchStrategy: "CurrentOrOlder", failureStrategy: "Reject" }
 */
export interface VersioningOptions {
  /** The version of the code this worker runs (default: the worker's `defaultVersion`). */
  readonly version?: string | undefined;
  /** Default `CurrentOrOlder`, as Durable Functions. */
  readonly matchStrategy?: VersionMatchStrategy | undefined;
  /** Default `Reject`, as Durable Functions. */
  readonly failureStrategy?: VersionFailureStrategy | undefined;
}

/** Versioning with every default filled in; `undefined` when the worker checks no version. */
export interface WorkerVersioning {
  readonly version: string;
  readonly matchStrategy: Exclude<VersionMatchStrategy, "None">;
  readonly failureStrategy: VersionFailureStrategy;
}

/**
 * Checks a worker's versioning options and fills in the defaults. Returns `undefined` when the worker checks no
 * version: strategy `None`, or no version (neither `versioning.version` nor `defaultVersion`).
 * @throws InvalidArgumentError for an unknown strategy or option, or a version that is not a string.
 */
export function workerVersioning(
  versioning: VersioningOptions | undefined,
  defaultVersion: string | undefined,
): WorkerVersioning | undefined {
  if (defaultVersion !== undefined) checkVersion(defaultVersion, "defaultVersion");
  if (versioning === undefined) return known(defaultVersion, "CurrentOrOlder", "Reject");
  if (typeof versioning !== "object" || versioning === null)
    throw new InvalidArgumentError(
      "versioning must be an object: { version, matchStrategy, failureStrategy }.",
    );
  for (const key of Object.keys(versioning))
    if (!["version", "matchStrategy", "failureStrategy"].includes(key))
      throw new InvalidArgumentError(
        `Unknown versioning option '${key}' (expected version, matchStrategy, failureStrategy).`,
      );
  const { version, matchStrategy = "CurrentOrOlder", failureStrategy = "Reject" } = versioning;
  if (version !== undefined) checkVersion(version, "versioning.version");
  if (!VERSION_MATCH_STRATEGIES.includes(matchStrategy))
    throw new InvalidArgumentError(
      `versioning.matchStrategy must be one of ${VERSION_MATCH_STRATEGIES.join(", ")} (got ${JSON.stringify(matchStrategy)}).`,
    );
  if (!VERSION_FAILURE_STRATEGIES.includes(failureStrategy))
    throw new InvalidArgumentError(
      `versioning.failureStrategy must be one of ${VERSION_FAILURE_STRATEGIES.join(", ")} (got ${JSON.stringify(failureStrategy)}).`,
    );
  return known(version ?? defaultVersion, matchStrategy, failureStrategy);
}

function known(
  version: string | undefined,
  matchStrategy: VersionMatchStrategy,
  failureStrategy: VersionFailureStrategy,
): WorkerVersioning | undefined {
  if (matchStrategy === "None" || version === undefined || isNoVersion(version)) return undefined;
  return { version, matchStrategy, failureStrategy };
}

/**
 * Why a worker with `versioning` must not run an instance of version `instanceVersion`, as one sentence naming both
 * versions and the strategy; `undefined` when it may run it.
 * @example
 * versionMismatch("2.0", { version: "1.0", matchStrategy: "CurrentOrOlder", failureStrategy: "Reject" });
 * // "The instance's version '2.0' is newer than this worker's version '1.0' (matchStrategy CurrentOrOlder)."
 */
export function versionMismatch(
  instanceVersion: string | undefined,
  versioning: WorkerVersioning | undefined,
): string | undefined {
  if (!versioning) return undefined;
  const order = compareVersions(instanceVersion, versioning.version);
  const { version, matchStrategy } = versioning;
  const shown = isNoVersion(instanceVersion) ? "no version" : `version '${instanceVersion}'`;
  if (matchStrategy === "Strict" && order !== 0)
    return `The instance has ${shown}, not this worker's version '${version}' (matchStrategy Strict).`;
  if (matchStrategy === "CurrentOrOlder" && order > 0)
    return `The instance's ${shown} is newer than this worker's version '${version}' (matchStrategy CurrentOrOlder).`;
  return undefined;
}

/**
 * Checks a version given as an option (a start's, a sub-orchestration's, a continue-as-new's, a worker's).
 * @throws InvalidArgumentError when it is not a string.
 */
export function checkVersion(version: unknown, what: string): asserts version is string {
  if (typeof version !== "string")
    throw new InvalidArgumentError(`${what} must be a string (got ${JSON.stringify(version)}).`);
}
