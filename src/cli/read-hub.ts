/**
 * Opening the configured task hub for a command that only reads it (`health`, `replay-check`, `history export`): a
 * SQLite file that does not exist is not created, a PostgreSQL schema is not created, no migration runs.
 * @module
 */
import { existsSync } from "node:fs";
import type { HostConfig } from "../host/config.js";
import { isUrlOrMemory } from "../host/hub-location.js";
import {
  describeHubLocation,
  openTaskHubForOperations,
  openTaskHubForReading,
} from "../host/open-task-hub.js";
import type { SqlTaskHub } from "../sql/sql-task-hub.js";

/** The hub cannot be read: the message says where and why (`cannot read the task hub at ...: ...`). */
export class HubReadError extends Error {
  override readonly name = "HubReadError";
}

/** `cannot read the task hub at <where>: <problem>`. */
export function hubReadError(config: Pick<HostConfig, "hub">, problem: unknown): HubReadError {
  const text = problem instanceof Error ? problem.message : String(problem);
  return new HubReadError(`cannot read the task hub at ${describeHubLocation(config.hub)}: ${text}`);
}

/**
 * Opens the hub of `config` for reading (with `options.write`, for writing too, as `taskhub instances` does; never
 * created or migrated) and checks that its schema is the one this version knows.
 * @throws HubReadError when it is in memory, a file that does not exist, unreachable, or has no or another schema.
 */
export async function openHubForReading(
  config: Pick<HostConfig, "hub" | "hubName">,
  options: { readonly write?: boolean } = {},
): Promise<SqlTaskHub> {
  if (config.hub === ":memory:")
    throw hubReadError(
      config,
      "an in-memory hub lives in one process only; point --hub at a SQLite file or use --postgres.",
    );
  if (!isUrlOrMemory(config.hub) && !existsSync(config.hub))
    throw hubReadError(
      config,
      "the file does not exist (a host creates it when it first starts: taskhub start).",
    );
  let hub: SqlTaskHub | undefined;
  try {
    hub = (options.write === true ? openTaskHubForOperations : openTaskHubForReading)(
      config.hub,
      config.hubName,
    );
    await hub.checkSchema();
    return hub;
  } catch (error) {
    await hub?.close();
    throw hubReadError(config, error);
  }
}
