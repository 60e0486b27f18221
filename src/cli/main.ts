/**
 * The `taskhub` command line: `start`, `dev`, `keys` and `health`. Exit codes: 0 success, 1 failure, 2 usage error.
 * @module
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ConfigError, resolveConfig, SETTINGS, type HostConfig } from "../host/config.js";
import { runDevLoop } from "../host/dev-reload.js";
import { startHost } from "../host/host.js";
import { AppLoadError, loadApp } from "../host/load-app.js";
import { ListenError } from "../host/server-lifecycle.js";
import { stopOnSignals } from "../host/shutdown.js";
import { runHealthCommand } from "./health-command.js";
import { runKeysCommand } from "./keys-command.js";
import { USAGE } from "./usage.js";

/** A wrong command line; the message is printed with the usage text. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

const FLAG_OPTIONS = Object.fromEntries([
  ...SETTINGS.filter((s) => s.flag !== "" && s.flag !== "log-requests").map((s) => [
    s.flag,
    { type: s.kind === "bool" ? ("boolean" as const) : ("string" as const) },
  ]),
  ["no-request-log", { type: "boolean" as const }],
  ["config", { type: "string" as const }],
  ["name", { type: "string" as const }],
  ["admin", { type: "boolean" as const }],
  ["help", { type: "boolean" as const, short: "h" }],
]);

/** Parses `argv` (without node and script) into a command, positionals and flags. */
export function parseCommandLine(argv: readonly string[]): {
  command: string | undefined;
  positionals: string[];
  flags: Record<string, string | boolean | undefined>;
} {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: FLAG_OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const flags = { ...parsed.values } as Record<string, string | boolean | undefined>;
  if (flags["no-request-log"]) flags["log-requests"] = false;
  const [command, ...positionals] = parsed.positionals;
  return { command: flags.help ? "help" : command, positionals, flags };
}

/** Runs the CLI; resolves with the exit code (long-running commands resolve when they stop). */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    const { command, positionals, flags } = parseCommandLine(argv);
    switch (command) {
      case "start":
        return await startCommand(positionals, flags);
      case "dev":
        return await devCommand(positionals, flags, argv);
      case "keys":
        return runKeysCommand(positionals, flags, config(flags, {}));
      case "health":
        return await runHealthCommand(positionals, config(flags, {}));
      case undefined:
      case "help":
        process.stdout.write(USAGE);
        return command === "help" ? 0 : 2;
      default:
        throw new UsageError(`Unknown command '${command}'.`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`taskhub: ${error.message}\n\n${USAGE}`);
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
  const app = await loadApp(modulePath);
  const host = await startHost(app, hostConfig, console);
  return new Promise<number>((resolveExit) => {
    stopOnSignals(async () => {
      await host.stop();
      resolveExit(0);
    }, console);
  });
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
  argv: readonly string[],
): Promise<number> {
  const modulePath = appModule(positionals, "dev");
  config(flags, {}); // validate once up front, so a typo fails here and not in every child
  const bin = fileURLToPath(new URL("../../bin/taskhub.js", import.meta.url));
  const rest = [...argv];
  rest.splice(rest.indexOf("dev"), 1);
  console.info(
    `taskhub dev: running ${modulePath}, reloading on changes under ${process.cwd()} (local-dev mode).`,
  );
  return runDevLoop({
    // Local-dev mode listens on 127.0.0.1 unless a host is set explicitly (see resolveConfig).
    command: [process.execPath, bin, "start", ...rest, "--local-dev"],
    watchDir: resolve(process.cwd()),
    log: console,
  });
}

function appModule(positionals: string[], command: string): string {
  const [modulePath, ...extra] = positionals;
  if (!modulePath)
    throw new UsageError(`'taskhub ${command}' needs the app module, e.g. taskhub ${command} src/app.ts`);
  if (extra.length > 0) throw new UsageError(`Unexpected arguments: ${extra.join(" ")}`);
  return modulePath;
}

function isInvalidArgument(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === "InvalidArgumentError" || name === "UnknownFunctionError";
}
