/**
 * `taskhub dashboard`: serves the web dashboard (and the management API it calls) on a task hub, without a worker,
 * until SIGINT / SIGTERM.
 * @module
 */
import type { HostConfig } from "../host/config.js";
import { DashboardHubError, startDashboardServer } from "../host/dashboard-server.js";
import { createHostLogger } from "../host/logging.js";
import { stopOnSignals } from "../host/shutdown.js";
import { UsageError } from "./usage-error.js";

/** Runs `taskhub dashboard`; resolves with the exit code when stopped (1 when the hub cannot be opened). */
export async function runDashboardCommand(
  positionals: readonly string[],
  config: () => HostConfig,
): Promise<number> {
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`, "dashboard");
  const settings = config();
  const log = createHostLogger({ level: settings.logLevel, format: settings.logFormat });
  let running;
  try {
    running = await startDashboardServer(settings, log);
  } catch (error) {
    if (!(error instanceof DashboardHubError)) throw error;
    process.stderr.write(`taskhub dashboard: ${error.message}\n`);
    return 1;
  }
  const server = running;
  return new Promise<number>((resolveExit) => {
    stopOnSignals(async () => {
      await server.stop();
      resolveExit(0);
    }, log);
  });
}
