/**
 * A logger for orchestrator code that writes each line once: never while old history is replayed.
 * @module
 */

/** Where log lines go. `console` fits; so does any structured logger with these four methods. */
export interface LogSink {
  debug(message: string, ...args: unknown[]): void;
  info(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  error(message: string, ...args: unknown[]): void;
}

/** The logger orchestrators get as `ctx.log`. */
export type ReplaySafeLogger = LogSink;

/** Wraps `sink` so that lines are dropped while `isReplaying()` is true, and prefixed with `prefix()`. */
export function createReplaySafeLogger(
  sink: LogSink,
  isReplaying: () => boolean,
  prefix: () => string,
): ReplaySafeLogger {
  const guard =
    (level: keyof LogSink) =>
    (message: string, ...args: unknown[]): void => {
      if (!isReplaying()) sink[level](`${prefix()} ${message}`, ...args);
    };
  return { debug: guard("debug"), info: guard("info"), warn: guard("warn"), error: guard("error") };
}
