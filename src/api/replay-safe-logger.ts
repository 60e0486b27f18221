/**
 * A logger for orchestrator code that writes each line once: never while old history is replayed.
 * @module
 */
import type { LogFields, Logger, LogSink } from "../core/logger.js";

export type { LogSink } from "../core/logger.js";

/**
 * The logger orchestrators get as `ctx.log`: lines carry the instance's fields (`instanceId`, `executionId`, `name`);
 * a last plain-object argument adds fields (`ctx.log.info("charged", { orderId })`).
 */
export type ReplaySafeLogger = LogSink;

/** Wraps `logger()` so that lines are dropped while `isReplaying()` is true (children too). */
export function replaySafe(logger: () => Logger, isReplaying: () => boolean): Logger {
  const guard =
    (level: "debug" | "info" | "warn" | "error") =>
    (message: string, fields?: LogFields): void => {
      if (!isReplaying()) logger()[level](message, fields);
    };
  return {
    debug: guard("debug"),
    info: guard("info"),
    warn: guard("warn"),
    error: guard("error"),
    child: (fields) => replaySafe(() => logger().child(fields), isReplaying),
  };
}
