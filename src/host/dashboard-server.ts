/**
 * `taskhub dashboard`: the web dashboard and the management API on a task hub, without a worker (no orchestration,
 * activity or timer runs in this process; the hub's workers run elsewhere). Authorization as a host's.
 * @module
 */
import { existsSync } from "node:fs";
import type { Server } from "node:http";
import { toLogger, type LogSink } from "../core/logger.js";
import { HttpDurableClient } from "../http/http-management.js";
import { createRequestListener } from "../http/http-server.js";
import { MANAGEMENT_BASE_PATH } from "../http/management-urls.js";
import type { TaskHub } from "../task-hub/task-hub.js";
import type { HostConfig } from "./config.js";
import { dashboardLine, displayHost } from "./host.js";
import { createHostAuth } from "./host-auth.js";
import { isUrlOrMemory } from "./hub-location.js";
import { describeHubLocation, openTaskHub } from "./open-task-hub.js";
import { closeServer, listen } from "./server-lifecycle.js";

/** A running dashboard server. */
export interface RunningDashboard {
  /** The origin, e.g. `http://localhost:7071`. */
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  /** Stops serving and closes the hub (idempotent). */
  stop(): Promise<void>;
}

/** The hub of a dashboard cannot be opened: the message says where and why. */
export class DashboardHubError extends Error {
  override readonly name = "DashboardHubError";
}

/**
 * Serves the dashboard and the management API of the hub `config` names, until stopped. Refuses an in-memory hub
 * and a SQLite file that does not exist (a dashboard never creates a hub; a host does).
 * @throws DashboardHubError when the hub cannot be opened; `ListenError` when the port cannot be bound.
 */
export async function startDashboardServer(config: HostConfig, log: LogSink): Promise<RunningDashboard> {
  const where = describeHubLocation(config.hub);
  if (config.hub === ":memory:")
    throw new DashboardHubError(
      "an in-memory hub lives in one process only; point --hub at a SQLite file or use --postgres.",
    );
  if (!isUrlOrMemory(config.hub) && !existsSync(config.hub))
    throw new DashboardHubError(
      `cannot open the task hub at ${where}: the file does not exist (a host creates it when it first starts: taskhub start).`,
    );
  const { authorizer, codes } = createHostAuth(config);
  let taskHub: TaskHub | undefined;
  try {
    taskHub = openTaskHub(config.hub, config.hubName, log);
    // Check the schema without creating or upgrading it: the hub's hosts own it.
    const sql = taskHub as TaskHub & { checkSchema?: () => Promise<void> };
    await (sql.checkSchema ? sql.checkSchema() : taskHub.init());
  } catch (error) {
    await taskHub?.close().catch(() => undefined);
    throw new DashboardHubError(`cannot open the task hub at ${where}: ${(error as Error).message}`);
  }
  const http = {
    baseUrl: config.publicUrl ?? "",
    hubName: config.hubName,
    connectionName: config.connectionName,
    codeFor: codes ? (instanceId: string) => codes.codeFor(instanceId) : undefined,
  };
  // No registry: the client starts and restarts orchestrations by name, for the hub's workers to run.
  const hub = taskHub;
  const client = new HttpDurableClient(hub, undefined, http, {
    maxPayloadBytes: config.maxPayloadBytes,
    ...(config.defaultVersion !== undefined ? { defaultVersion: config.defaultVersion } : {}),
  });
  let bound;
  try {
    bound = await listen(config.host, config.port);
  } catch (error) {
    await hub.close();
    throw error;
  }
  const { server, port, address } = bound;
  const url = config.publicUrl ?? `http://${displayHost(address)}:${port}`;
  http.baseUrl = url;
  const listener = createRequestListener({
    triggers: [],
    client,
    hubName: config.hubName,
    authorizer,
    maxBodyBytes: config.maxBodyBytes,
    useForwardedHost: config.useForwardedHost,
    logger: log,
    logRequests: config.logRequests,
  });
  server.on("request", (req, res) => void listener(req, res));
  const logger = toLogger(log);
  logger.info(
    [
      `Task hub: ${where} (name '${config.hubName}'), no worker in this process`,
      `  Management API: ${url}${MANAGEMENT_BASE_PATH}`,
      config.localDev ? "  Local development mode: no keys are required." : `  Keys: ${config.keysFile}`,
    ].join("\n"),
  );
  logger.info(`Taskhub dashboard: ${dashboardLine(url, config)}`, { url, hubName: config.hubName });
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await closeServer(server, config.shutdownTimeoutMs);
      await hub.close();
    })());
  return { url, port, server, stop };
}
