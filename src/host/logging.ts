/**
 * The host's logger (pino): JSON lines (`level`, `time` as ISO 8601, `pid`, `hostname`, `msg`, then the line's fields)
 * when output goes to a file or a pipe, readable colored lines (pino-pretty, in-process) on a terminal and in
 * `taskhub dev`. Levels from `--log-level` / `TASKHUB_LOG_LEVEL` (default `info`).
 * @module
 */
import { pino, type Logger as PinoLogger } from "pino";
import pinoPretty from "pino-pretty";

/** The levels `--log-level` accepts, most verbose first; `silent` writes nothing. */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;

/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The formats `--log-format` accepts: one JSON object per line, or readable lines. */
export const LOG_FORMATS = ["json", "pretty"] as const;

/** One of {@link LOG_FORMATS}. */
export type LogFormat = (typeof LOG_FORMATS)[number];

/** A stream log lines are written to. */
export type LogDestination = NodeJS.WritableStream & { readonly isTTY?: boolean | undefined };

/** Options of {@link createHostLogger}. */
export interface HostLoggerOptions {
  /** Lowest level written (default `info`). */
  readonly level?: LogLevel | undefined;
  /** Default: `pretty` when the destination is a terminal, else `json`. */
  readonly format?: LogFormat | undefined;
  /** Where lines go (default: standard output). */
  readonly destination?: LogDestination | undefined;
}

/** The host's logger; hand it to `startHost` or `DurableApp.start({ logger })`. */
export function createHostLogger(options: HostLoggerOptions = {}): PinoLogger {
  const destination = options.destination ?? process.stdout;
  const format = options.format ?? (destination.isTTY === true ? "pretty" : "json");
  const level = options.level ?? "info";
  if (format === "json")
    return pino(
      {
        level,
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
      },
      destination,
    );
  const pretty = pinoPretty({
    destination,
    sync: true,
    colorize: destination === process.stdout ? pinoPretty.isColorSupported : destination.isTTY === true,
    translateTime: "SYS:HH:MM:ss.l",
    ignore: "pid,hostname",
    singleLine: true,
  });
  return pino({ level }, pretty);
}
