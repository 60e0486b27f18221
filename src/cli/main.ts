/**
 * The `taskhub` command line: `start`, `dev`, `dashboard`, `keys`, `health`, `replay-check`, `history`, `stats` and
 * `instances`. Exit codes: 0 success, 1 failure, 2 usage error.
 * @module
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError, resolveConfig, type HostConfig } from "../host/config.js";
import { runDevLoop } from "../host/dev-reload.js";
import { startHost, type RunningHost } from "../host/host.js";
import { DurableApp } from "../app/durable-app.js";
import type { LogSink } from "../core/logger.js";
import { AppLoadError, loadApp } from "../host/load-app.js";
import { createHostLogger } from "../host/logging.js";
import { ListenError } from "../host/server-lifecycle.js";
import { startTelemetry } from "../host/telemetry.js";
import { stopOnSignals } from "../host/shutdown.js";
import { exitOnUncaughtErrors } from "../worker/uncaught-errors.js";
import { isCommand, parseCommandLine } from "./command-line.js";
import { runDashboardCommand } from "./dashboard-command.js";
import { runHealthCommand } from "./health-command.js";
import { runHistoryCommand } from "./history-command.js";
import { runInstancesCommand } from "./instances-command.js";
import { runKeysCommand } from "./keys-command.js";
import { runReplayCheckCommand } from "./replay-check-command.js";
import { runStatsCommand } from "./stats-command.js";
import { UsageError } from "./usage-error.js";
import { COMMAND_USAGE, USAGE } from "./usage.js";
import { packageVersion } from "./version.js";

/** Runs the CLI; resolves with the exit code (long-running commands resolve when they stop). */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    if (argv.length === 0) {
      process.stderr.write(USAGE);
      return 2;
    }
    if (argv[0] === "help") return help(argv[1]);
    const {
      command,
      commandIndex,
      positionals,
      flags,
      lists,
      help: wantsHelp,
      version,
    } = parseCommandLine(argv);
    if (version) {
      process.stdout.write(`${packageVersion()}\n`);
      return 0;
    }
    if (wantsHelp) return help(command);
    switch (command) {
      case "start":
        return await startCommand(positionals, flags);
      case "dev":
        return await devCommand(positionals, flags, [
          ...argv.slice(0, commandIndex),
          ...argv.slice(commandIndex + 1),
        ]);
      case "dashboard":
        return await runDashboardCommand(positionals, () => config(flags, {}));
      case "keys":
        return runKeysCommand(positionals, flags, config(flags, {}));
      case "health":
        return await runHealthCommand(positionals, config(flags, {}));
      case "replay-check":
        return await runReplayCheckCommand(positionals, flags, () => config(flags, {}));
      case "history":
        return await runHistoryCommand(positionals, () => config(flags, {}));
      case "stats":
        return await runStatsCommand(positionals, flags, () => config(flags, {}));
      case "instances":
        return await runInstancesCommand(positionals, flags, lists, () => config(flags, {}));
      case "sidecar":
        return await sidecarCommand(positionals, flags);
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.toLine()}\n`);
      return 2;
    }
    if (
      error instanceof ConfigError ||
      error instanceof AppLoadError ||
      error instanceof ListenError ||
      isInvalidArgument(error)
    ) {
      process.stderr.write(`taskhub: ${(error as Error).message}\n`);
      return 1;
    }
    process.stderr.write(
      `taskhub: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return 1;
  }
}

/** Prints the help of `command` (the overview when undefined) on stdout. */
function help(command: string | undefined): number {
  if (command !== undefined && !isCommand(command)) throw new UsageError(`unknown command '${command}'`);
  process.stdout.write(command === undefined ? USAGE : COMMAND_USAGE[command]);
  return 0;
}

function config(
  flags: Record<string, string | boolean | undefined>,
  defaults: Record<string, string | boolean>,
): HostConfig {
  return resolveConfig({ flags, env: process.env, configFile: flags.config as string | undefined, defaults });
}

async function startCommand(
  positionals: string[],
  flags: Record<string, string | boolean | undefined>,
): Promise<number> {
  const modulePath = appModule(positionals, "start");
  stopWhenParentLeaves();
  const hostConfig = config(flags, {});
  const log = createHostLogger({ level: hostConfig.logLevel, format: hostConfig.logFormat });
  // An error no code awaits (a timer callback in an activity...) is logged with the work it came from, then exits.
  exitOnUncaughtErrors({ logger: log });
  // The OpenTelemetry SDK (when OTEL_* asks for it) is registered before the app and its worker start.
  const telemetry = await startTelemetry();
  if (telemetry) log.info(`OpenTelemetry: exporting ${telemetry.description}`);
  const app = await loadApp(modulePath).catch(async (error: unknown) => {
    await telemetry?.shutdown();
    throw error;
  });
  return runUntilSignalled(startHost(app, hostConfig, log), log, telemetry);
}

/**
 * Runs the host `starting` until SIGINT / SIGTERM, then stops it (and flushes telemetry); resolves with the exit code.
 * Signals are handled from before the host starts (and prints its banner): one that arrives while it starts stops
 * it gracefully once started, instead of killing the process.
 */
function runUntilSignalled(
  starting: Promise<RunningHost>,
  log: LogSink,
  telemetry: { shutdown(): Promise<void> } | undefined,
): Promise<number> {
  return new Promise<number>((resolveExit, reject) => {
    const remove = stopOnSignals(async () => {
      await (await starting).stop();
      await telemetry?.shutdown(); // the spans of the last steps are flushed
      resolveExit(0);
    }, log);
    starting.catch(async (error: unknown) => {
      remove();
      await telemetry?.shutdown();
      reject(error);
    });
  });
}

/**
 * `taskhub sidecar`: a host without app code, serving the Durable Task gRPC protocol on `--port` (default 4001) and
 * its HTTP routes (management API, dashboard, health) on `--http-port` (default: a free port).
 */
async function sidecarCommand(
  positionals: string[],
  flags: Record<string, string | boolean | undefined>,
): Promise<number> {
  if (positionals.length > 0) throw new UsageError(`sidecar takes no arguments (got '${positionals[0]}')`);
  const { port, "http-port": httpPort, ...rest } = flags;
  const hostConfig = config(
    { ...rest, "grpc-port": port ?? "4001", port: httpPort ?? "0" },
    { host: "127.0.0.1" },
  );
  const log = createHostLogger({ level: hostConfig.logLevel, format: hostConfig.logFormat });
  exitOnUncaughtErrors({ logger: log });
  const telemetry = await startTelemetry();
  if (telemetry) log.info(`OpenTelemetry: exporting ${telemetry.description}`);
  return runUntilSignalled(startHost(new DurableApp(), hostConfig, log), log, telemetry);
}

/** A host started by `taskhub dev` (through an IPC channel) stops gracefully when the dev loop is gone, even killed. */
function stopWhenParentLeaves(): void {
  if (process.send === undefined) return; // no IPC channel: not started by `taskhub dev`
  const leave = (): void => void process.kill(process.pid, "SIGTERM");
  if (!process.connected) return leave();
  process.channel?.unref();
  process.once("disconnect", leave);
}

async function devCommand(
  positionals: string[],
  flags: Record<string, string | boolean | undefined>,
  /** The command line without `dev`: the child's `taskhub start` arguments. */
  rest: readonly string[],
): Promise<number> {
  const modulePath = appModule(positionals, "dev");
  const devConfig = config(flags, {}); // validate once up front, so a typo fails here and not in every child
  // Readable lines in the child too (its stdout is this terminal's), unless a format was chosen.
  const logFormat = devConfig.logFormat === undefined ? ["--log-format", "pretty"] : [];
  const log = createHostLogger({ level: devConfig.logLevel, format: devConfig.logFormat ?? "pretty" });
  const bin = fileURLToPath(new URL("../../bin/taskhub.js", import.meta.url));
  log.info(
    `taskhub dev: running ${modulePath}, reloading on changes under ${process.cwd()} (local-dev mode).`,
  );
  return runDevLoop({
    // Local-dev mode listens on 127.0.0.1 unless a host is set explicitly (see resolveConfig).
    command: [process.execPath, bin, "start", ...rest, "--local-dev", ...logFormat],
    watchDir: resolve(process.cwd()),
    log,
  });
}

function appModule(positionals: string[], command: string): string {
  const [modulePath, ...extra] = positionals;
  if (!modulePath)
    throw new UsageError(
      `'taskhub ${command}' needs the app module, e.g. taskhub ${command} src/app.ts`,
      command,
    );
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`, command);
  return modulePath;
}

function isInvalidArgument(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === "InvalidArgumentError" || name === "UnknownFunctionError";
}
