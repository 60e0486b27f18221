/**
 * `taskhub history export <instance ID>`: writes an instance's current history as a history file (JSON, see
 * `core/history-file.ts`) on standard output, for `replayHistories` in a unit test. Only reads the hub.
 * @module
 */
import { formatHistoryFile, toHistoryFile } from "../core/history-file.js";
import type { HostConfig } from "../host/config.js";
import { describeHubLocation } from "../host/open-task-hub.js";
import type { SqlTaskHub } from "../sql/sql-task-hub.js";
import { clockFor } from "../task-hub/clock.js";
import { HubReadError, hubReadError, openHubForReading } from "./read-hub.js";
import { UsageError } from "./usage-error.js";

/**
 * Runs a `history` subcommand; returns the exit code: 0, or 1 when the instance does not exist or the hub cannot be
 * read (a wrong command line is a {@link UsageError}).
 */
export async function runHistoryCommand(
  positionals: readonly string[],
  config: () => HostConfig,
): Promise<number> {
  const [action, instanceId, ...extra] = positionals;
  if (action !== "export")
    throw new UsageError(
      action === undefined
        ? "'taskhub history' needs an action: export"
        : `unknown action '${action}' (use export)`,
      "history",
    );
  if (instanceId === undefined)
    throw new UsageError("'taskhub history export' needs the instance ID", "history");
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`, "history");
  const settings = config();
  let hub: SqlTaskHub | undefined;
  try {
    hub = await openHubForReading(settings);
    const instance = await hub.getInstance(instanceId);
    if (!instance) {
      process.stderr.write(
        `taskhub history: no instance '${instanceId}' in the task hub at ${describeHubLocation(settings.hub)}.\n`,
      );
      return 1;
    }
    const events = await hub.getHistory(instanceId);
    process.stdout.write(formatHistoryFile(toHistoryFile(instance, events, clockFor(hub).now())));
    return 0;
  } catch (error) {
    const message = error instanceof HubReadError ? error.message : hubReadError(settings, error).message;
    process.stderr.write(`taskhub history: ${message}\n`);
    return 1;
  } finally {
    await hub?.close();
  }
}
