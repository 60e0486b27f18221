/**
 * Parsing the `taskhub` command line: the command, its positional arguments and its flags. Each command accepts its
 * own flags; a wrong command line is a {@link UsageError} naming the one wrong thing.
 * @module
 */
import { parseArgs } from "node:util";
import { SETTINGS } from "../host/config.js";
import { UsageError } from "./usage-error.js";

/** The commands. */
export const COMMANDS = [
  "start",
  "dev",
  "dashboard",
  "keys",
  "health",
  "replay-check",
  "history",
  "stats",
  "instances",
  "sidecar",
] as const;

/** A command's name. */
export type CommandName = (typeof COMMANDS)[number];

/** True when `name` is a command. */
export function isCommand(name: string | undefined): name is CommandName {
  return (COMMANDS as readonly (string | undefined)[]).includes(name);
}

type FlagType = "string" | "boolean";

/** The settings' flags (`--log-requests` is spelt `--no-request-log`). */
const SETTING_FLAGS: [string, FlagType][] = SETTINGS.filter(
  (s) => s.flag !== "" && s.flag !== "log-requests",
).map((s) => [s.flag, s.kind === "bool" ? "boolean" : "string"]);

/** Every flag, with its type. */
const FLAGS = new Map<string, FlagType>([
  ...SETTING_FLAGS,
  ["no-request-log", "boolean"],
  ["config", "string"],
  ["name", "string"],
  ["admin", "boolean"],
  ["status", "string"],
  ["since", "string"],
  ["until", "string"],
  ["top", "string"],
  ["bucket", "string"],
  ["limit", "string"],
  ["json", "boolean"],
  ["prefix", "string"],
  ["created-from", "string"],
  ["created-to", "string"],
  ["created-before", "string"],
  ["tag", "string"],
  ["all", "boolean"],
  ["page-size", "string"],
  ["continuation-token", "string"],
  ["history", "boolean"],
  ["reason", "string"],
  ["same-id", "boolean"],
  ["recursive", "boolean"],
  ["no-recursive", "boolean"],
  ["http-port", "string"],
  ["help", "boolean"],
  ["version", "boolean"],
]);

/** The flags of the commands that only read a hub. */
const READ_HUB_FLAGS = ["hub", "postgres", "hub-name", "config"];

const HOST_FLAGS = [...SETTING_FLAGS.map(([flag]) => flag), "no-request-log", "config"];

/** The flags each command accepts (`--help` and `--version` go everywhere). */
const COMMAND_FLAGS: Readonly<Record<CommandName, ReadonlySet<string>>> = {
  start: new Set(HOST_FLAGS),
  sidecar: new Set([...HOST_FLAGS.filter((flag) => flag !== "grpc-port"), "http-port"]),
  dev: new Set(HOST_FLAGS),
  dashboard: new Set([
    ...READ_HUB_FLAGS,
    "port",
    "host",
    "local-dev",
    "keys-file",
    "public-url",
    "use-forwarded-host",
    "no-request-log",
    "log-level",
    "log-format",
    "max-body-bytes",
    "max-payload-bytes",
    "default-version",
    "shutdown-timeout-ms",
    "connection-name",
    "jwt-jwks-url",
    "jwt-issuer",
    "jwt-audience",
    "jwt-algorithms",
    "jwt-admin-role",
    "jwt-any-issuer",
  ]),
  keys: new Set(["name", "admin", "keys-file", "hub", "config"]),
  health: new Set(READ_HUB_FLAGS),
  "replay-check": new Set([
    ...READ_HUB_FLAGS,
    "status",
    "name",
    "since",
    "limit",
    "json",
    "max-orchestration-actions",
    "max-history-events",
    "max-payload-bytes",
  ]),
  history: new Set(READ_HUB_FLAGS),
  stats: new Set([...READ_HUB_FLAGS, "since", "until", "name", "top", "bucket", "json"]),
  instances: new Set([
    ...READ_HUB_FLAGS,
    "status",
    "name",
    "prefix",
    "created-from",
    "created-to",
    "created-before",
    "version",
    "tag",
    "all",
    "page-size",
    "continuation-token",
    "json",
    "history",
    "reason",
    "same-id",
    "recursive",
    "no-recursive",
  ]),
};

/** Flags that may be given more than once (each value kept, in order, in {@link CommandLine.lists}). */
const LIST_FLAGS: ReadonlySet<string> = new Set(["tag"]);

/**
 * Commands for which `--version` is a filter taking a value (`taskhub instances list --version 1.2`), not the request
 * to print Taskhub's version.
 */
const VERSION_FILTER_COMMANDS: ReadonlySet<string> = new Set(["instances"]);

/** The flags `command` accepts, besides `--help` and `--version` (`--no-request-log` rather than `--log-requests`). */
export function acceptedFlags(command: CommandName): ReadonlySet<string> {
  return COMMAND_FLAGS[command];
}

/** A parsed command line. */
export interface CommandLine {
  /** The first positional argument (`start`, `help`...); undefined when there is none. */
  readonly command: string | undefined;
  /** Index of the command in `argv`, or -1. */
  readonly commandIndex: number;
  /** The positional arguments after the command. */
  readonly positionals: string[];
  /** The flags, by name (`--no-request-log` as `log-requests: false`); a repeated flag: its last value. */
  readonly flags: Record<string, string | boolean | undefined>;
  /** Every value of the flags that may be repeated (`--tag`), by name, in order. */
  readonly lists: Record<string, string[]>;
  /** `--help` / `-h` was given. */
  readonly help: boolean;
  /** `--version` was given. */
  readonly version: boolean;
}

/**
 * Parses `argv` (without node and script). With `--help` or `--version` nothing else is checked.
 * @throws UsageError for an unknown command or option, an option the command does not take, or a missing value.
 */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const tokenize = (versionFilter: boolean) =>
    parseArgs({
      args: [...argv],
      options: Object.fromEntries(
        [...FLAGS].map(([name, type]) => [
          name,
          name === "help"
            ? { type, short: "h" }
            : { type: name === "version" && versionFilter ? "string" : type },
        ]),
      ),
      allowPositionals: true,
      strict: false,
      tokens: true,
    }).tokens;
  let tokens = tokenize(false);
  const commandOf = () => tokens.find((t) => t.kind === "positional")?.value;
  const versionFilter = VERSION_FILTER_COMMANDS.has(commandOf() ?? "");
  if (versionFilter) tokens = tokenize(true);
  const positionalTokens = tokens.filter((t) => t.kind === "positional");
  const first = positionalTokens[0];
  const command = first?.value;
  const options = tokens.filter((t) => t.kind === "option");
  const help = options.some((t) => t.name === "help");
  const version = !versionFilter && options.some((t) => t.name === "version");
  const line = {
    command,
    commandIndex: first?.index ?? -1,
    positionals: positionalTokens.slice(1).map((t) => t.value),
    flags: {} as Record<string, string | boolean | undefined>,
    lists: {} as Record<string, string[]>,
    help,
    version,
  };
  if (help || version) return line;
  if (command !== undefined && !isCommand(command)) throw new UsageError(`unknown command '${command}'`);
  for (const token of options) {
    const type = token.name === "version" && versionFilter ? "string" : FLAGS.get(token.name);
    const accepted = command === undefined || COMMAND_FLAGS[command].has(token.name);
    if (type === undefined) throw new UsageError(`unknown option '${token.rawName}'`, command);
    if (!accepted) throw new UsageError(`'taskhub ${command}' has no option '${token.rawName}'`, command);
    if (type === "boolean") {
      if (token.value !== undefined)
        throw new UsageError(`option '${token.rawName}' takes no value`, command);
      line.flags[token.name] = true;
    } else {
      if (token.value === undefined || (!token.inlineValue && token.value.startsWith("-")))
        throw new UsageError(`option '${token.rawName}' needs a value`, command);
      line.flags[token.name] = token.value;
      if (LIST_FLAGS.has(token.name)) (line.lists[token.name] ??= []).push(token.value);
    }
  }
  if (line.flags["no-request-log"]) line.flags["log-requests"] = false;
  if (command === undefined) throw new UsageError("no command given");
  return line;
}
