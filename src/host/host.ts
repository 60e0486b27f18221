/**
 * The Taskhub host: one process running the app's worker (orchestrations, activities, schedules) and the HTTP server
 * (HTTP triggers, async-HTTP pattern, management API) on one task hub. Stops gracefully: the server stops accepting,
 * in-flight requests finish, then the worker finishes or releases its work and the hub is closed.
 * @module
 */
import type { Server } from "node:http";
import type { DurableApp, DurableHost } from "../app/durable-app.js";
import { uncheckedClaims } from "../http/auth/jwt.js";
import { HttpDurableClient } from "../http/http-management.js";
import { createRequestListener } from "../http/http-server.js";
import { MANAGEMENT_BASE_PATH } from "../http/management-urls.js";
import { TriggerRouter } from "../http/trigger-router.js";
import { toLogger, type LogSink } from "../core/logger.js";
import type { TaskHub } from "../task-hub/task-hub.js";
import type { HostConfig } from "./config.js";
import { createHostLogger } from "./logging.js";
import { describeHubLocation, openTaskHub } from "./open-task-hub.js";
import { closeServer, listen } from "./server-lifecycle.js";
import { createOpsListener, type OpsEndpoints } from "../http/ops-routes.js";
import { createHostMetrics, PROMETHEUS_CONTENT_TYPE, type HostMetrics } from "./metrics-setup.js";
import { otlpMetricReaders } from "./otlp-metrics.js";
import { ReadinessCheck } from "./readiness.js";
import { createHostAuth } from "./host-auth.js";
import { clockFor } from "../task-hub/clock.js";
import { SidecarRemoteWork } from "../sidecar/remote-executor.js";
import { startSidecar, type RunningSidecar } from "../sidecar/sidecar-server.js";
import { sidecarClientHandlers } from "../sidecar/client-service.js";
import { sidecarEntityHandlers } from "../sidecar/entity-service.js";
import { DASHBOARD_PATH } from "../http/dashboard/dashboard-assets.js";
import { disableRetention, enableRetention } from "../schedules/retention.js";

/** A running host. */
export interface RunningHost {
  /** The origin clients use, e.g. `http://localhost:7071`. */
  readonly url: string;
  /** The port actually bound (useful with port 0). */
  readonly port: number;
  readonly server: Server;
  readonly durable: DurableHost<HttpDurableClient>;
  /**
   * The host's one client (`durable.client`): the one its HTTP triggers get and its management API uses. Its starts run
   * their first step in the host's worker.
   */
  readonly client: HttpDurableClient;
  /** The port of the separate metrics server (`--metrics-port`), when there is one. */
  readonly metricsPort?: number | undefined;
  /** The port of the Durable Task gRPC endpoint (`--grpc-port`), when there is one. */
  readonly grpcPort?: number | undefined;
  /** Stops the host gracefully (idempotent). */
  stop(): Promise<void>;
}

/** Options of {@link startHost} beyond its configuration. */
export interface StartHostOptions {
  /**
   * Run on this task hub instead of opening `config.hub` (embedding a host, or a test on `memoryTaskHub()`). The
   * host closes it when it stops.
   */
  readonly taskHub?: TaskHub | undefined;
}

/**
 * Starts the worker and the HTTP server of `app` as `config` says, and logs what it serves. Logs go to `log`
 * (default: the host's logger as `config` says, see `createHostLogger`).
 */
export async function startHost(
  app: DurableApp,
  config: HostConfig,
  log: LogSink = createHostLogger({ level: config.logLevel, format: config.logFormat }),
  options: StartHostOptions = {},
): Promise<RunningHost> {
  const { authorizer, codes, unstoredSecret } = createHostAuth(config);
  const taskHub = options.taskHub ?? openTaskHub(config.hub, config.hubName, log);
  // One client for triggers, the management API and schedules, made by the app so that it has the local worker. Its
  // URLs need the bound port, known once listening: `baseUrl` is set then, before any request is served.
  const http = {
    baseUrl: config.publicUrl ?? "",
    hubName: config.hubName,
    connectionName: config.connectionName,
    codeFor: codes ? (instanceId: string) => codes.codeFor(instanceId) : undefined,
  };
  const metrics = config.metrics ? createHostMetrics(await otlpMetricReaders()) : undefined;
  // With --grpc-port, what the app does not register runs on the SDK workers connected over gRPC.
  const remote = config.grpcPort !== undefined ? new SidecarRemoteWork(clockFor(taskHub)) : undefined;
  // Retention is a durable schedule: every host registers it, one runs each occurrence.
  enableRetention(app.registry, {
    policies: config.retention,
    schedule: config.retentionSchedule,
    meterProvider: metrics?.meterProvider,
  });
  const durable = await app
    .start({
      taskHub,
      ...(metrics ? { meterProvider: metrics.meterProvider } : {}),
      clientFactory: (hub, registry, options) => new HttpDurableClient(hub, registry, http, options),
      logger: log,
      shutdownTimeoutMs: config.shutdownTimeoutMs,
      ...(config.maxConcurrentOrchestrations
        ? { maxConcurrentOrchestrations: config.maxConcurrentOrchestrations }
        : {}),
      ...(config.maxConcurrentActivities ? { maxConcurrentActivities: config.maxConcurrentActivities } : {}),
      maxOrchestrationActions: config.maxOrchestrationActions,
      maxHistoryEvents: config.maxHistoryEvents,
      maxPayloadBytes: config.maxPayloadBytes,
      ...(config.defaultVersion !== undefined ? { defaultVersion: config.defaultVersion } : {}),
      ...(config.versioning ? { versioning: config.versioning } : {}),
      ...(config.maxDeliveryCount ? { maxDeliveryCount: config.maxDeliveryCount } : {}),
      ...(remote ? { remote } : {}),
    })
    .catch(async (error: unknown) => {
      await metrics?.shutdown();
      throw error;
    });
  if (config.retention.length === 0)
    await disableRetention(durable.client).then(
      (stopped) => stopped && toLogger(log).info("Retention is off: its schedule was stopped."),
      async (error: unknown) => {
        await durable.stop();
        await metrics?.shutdown();
        throw error;
      },
    );
  const readiness = new ReadinessCheck(taskHub, durable.worker);
  const ops: OpsEndpoints = {
    readiness: () => readiness.check(),
    metricsContentType: PROMETHEUS_CONTENT_TYPE,
    ...(metrics && config.metricsPort === undefined ? { metricsText: () => metrics.prometheusText() } : {}),
  };
  let server: Server;
  let port: number;
  let address: string;
  let metricsServer: { readonly server: Server; readonly port: number } | undefined;
  let sidecar: RunningSidecar | undefined;
  try {
    ({ server, port, address } = await listen(config.host, config.port));
    if (metrics && config.metricsPort !== undefined)
      metricsServer = await listenForMetrics(config, server, ops, metrics);
    if (remote)
      sidecar = await startSidecar({
        remote,
        host: config.host,
        port: config.grpcPort ?? 0,
        logger: log,
        handlers: {
          ...sidecarClientHandlers(durable.client, log),
          ...sidecarEntityHandlers(durable.client, log),
        },
      }).catch(async (error: unknown) => {
        await closeServer(server, 0);
        if (metricsServer) await closeServer(metricsServer.server, 0);
        throw error;
      });
  } catch (error) {
    await durable.stop();
    await metrics?.shutdown();
    throw error;
  }
  const url = config.publicUrl ?? `http://${displayHost(address)}:${port}`;
  http.baseUrl = url;
  const client = durable.client;
  const listener = createRequestListener({
    triggers: app.registry.httpTriggers.names().flatMap((n) => app.registry.httpTriggers.get(n) ?? []),
    client,
    hubName: config.hubName,
    authorizer,
    maxBodyBytes: config.maxBodyBytes,
    useForwardedHost: config.useForwardedHost,
    logger: log,
    logRequests: config.logRequests,
    ops,
  });
  server.on("request", (req, res) => void listener(req, res));
  printBanner(
    app,
    config,
    { url, address, port },
    log,
    unstoredSecret,
    options.taskHub ? taskHub.description : describeHubLocation(config.hub),
    metrics ? metricsLocation(url, address, metricsServer?.port) : undefined,
    sidecar ? `${urlHost(sidecar.host)}:${sidecar.port}` : undefined,
  );
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await Promise.all([
        sidecar?.stop(),
        closeServer(server, config.shutdownTimeoutMs),
        metricsServer && closeServer(metricsServer.server, config.shutdownTimeoutMs),
      ]);
      await durable.stop();
      await metrics?.shutdown();
    })());
  return {
    url,
    port,
    server,
    durable,
    client,
    metricsPort: metricsServer?.port,
    grpcPort: sidecar?.port,
    stop,
  };
}

/**
 * The separate metrics server (`--metrics-port`) on the host's address: the operator's routes without credentials.
 * On failure the main server is closed.
 */
async function listenForMetrics(
  config: HostConfig,
  main: Server,
  ops: OpsEndpoints,
  metrics: HostMetrics,
): Promise<{ server: Server; port: number }> {
  try {
    const bound = await listen(config.host, config.metricsPort ?? 0);
    const listener = createOpsListener({ ...ops, metricsText: () => metrics.prometheusText() });
    bound.server.on("request", (req, res) => void listener(req, res));
    return bound;
  } catch (error) {
    await closeServer(main, 0);
    throw error;
  }
}

/** Where the banner says the dashboard is, and what opens it. */
export function dashboardLine(url: string, config: Pick<HostConfig, "localDev" | "jwt">): string {
  return (
    `${url}${DASHBOARD_PATH}/` +
    (config.localDev
      ? ""
      : ` (sign in with an admin key${config.jwt ? " or a bearer token with the admin role" : ""})`)
  );
}

/** Where the banner says metrics are served. */
function metricsLocation(url: string, address: string, metricsPort: number | undefined): string {
  return metricsPort === undefined
    ? `${url}/metrics (with the management API's keys)`
    : `http://${displayHost(address)}:${metricsPort}/metrics (no keys; also /healthz and /readyz)`;
}

/** The host of URLs for a server bound to `address`: `localhost` when it is bound to every interface. */
export function displayHost(address: string): string {
  return isAnyAddress(address) ? "localhost" : urlHost(address);
}

function isAnyAddress(address: string): boolean {
  return address === "0.0.0.0" || address === "::" || address === "";
}

function urlHost(address: string): string {
  return address.includes(":") ? `[${address}]` : address;
}

function isLoopback(address: string): boolean {
  return /^127\./.test(address) || address === "::1" || address === "::ffff:127.0.0.1";
}

/** Prints what the host serves: its URL, and the address and port it is bound to when the URL does not show them. */
function printBanner(
  app: DurableApp,
  config: HostConfig,
  bound: { readonly url: string; readonly address: string; readonly port: number },
  log: LogSink,
  unstoredSecret: string | undefined,
  hubLocation: string,
  metricsAt: string | undefined,
  grpcAt: string | undefined,
): void {
  const { url, address, port } = bound;
  const where =
    url === `http://${urlHost(address)}:${port}`
      ? ""
      : ` (bound to ${urlHost(address)}:${port}${isAnyAddress(address) ? ", every network interface" : ""})`;
  const lines = [`Task hub: ${hubLocation} (name '${config.hubName}')`];
  const routes = new TriggerRouter(
    app.registry.httpTriggers.names().flatMap((n) => app.registry.httpTriggers.get(n) ?? []),
  ).describe();
  if (routes.length > 0) {
    lines.push("  HTTP functions:");
    for (const route of routes)
      lines.push(`    ${route.name}: [${route.methods.join(",")}] ${url}${route.path}`);
  }
  const timers = app.registry.timers.names();
  if (timers.length > 0) {
    lines.push("  Timers:");
    for (const name of timers) {
      const timer = app.registry.timers.get(name);
      if (timer)
        lines.push(
          // eslint-disable-next-line no-restricted-syntax -- banner display; the host's hub runs on the system clock
          `    ${name}: "${timer.schedule.expression}" (${timer.schedule.timeZone}), next ${timer.schedule.next(new Date()).toISOString()}`,
        );
    }
  }
  if (config.retention.length > 0)
    lines.push(
      `  Retention: ${config.retention.map((p) => `${p.statuses.join(",")} after ${p.olderThan}`).join("; ")}`,
    );
  lines.push(`  Management API: ${url}${MANAGEMENT_BASE_PATH}`);
  lines.push(`  Health: ${url}/healthz, ${url}/readyz`);
  if (grpcAt !== undefined) lines.push(`  Durable Task gRPC (SDK workers and clients): ${grpcAt}`);
  lines.push(`  Dashboard: ${dashboardLine(url, config)}`);
  if (metricsAt !== undefined) lines.push(`  Metrics: ${metricsAt}`);
  lines.push(
    config.localDev
      ? "  Local development mode: no keys are required." +
          (isLoopback(address)
            ? ""
            : ` Warning: anyone who can reach ${urlHost(address)}:${port} can call this host; ` +
              "leave --host unset to listen on 127.0.0.1 only.")
      : `  Keys: ${config.keysFile} (management API needs an admin key${config.systemKey ? " or the system key" : ""}; ` +
          "status links carry a code for their instance only)" +
          (unstoredSecret !== undefined
            ? `. Warning: the keys file cannot be written (${unstoredSecret}); status links handed out now stop ` +
              "working when this process ends"
            : ""),
  );
  const unchecked = config.jwt?.anyIssuer ? uncheckedClaims(config.jwt) : [];
  if (unchecked.length > 0)
    lines.push(
      `  Warning: bearer tokens are accepted whatever their ${unchecked.join(" and ")} (--jwt-any-issuer).`,
    );
  // What is served, then the URL on a line of its own, last: once it is out, everything is.
  const logger = toLogger(log);
  logger.info(lines.join("\n"));
  logger.info(`Taskhub host listening on ${url}${where}`, { url, hubName: config.hubName });
}
