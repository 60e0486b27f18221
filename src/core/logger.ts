/**
 * Logging: {@link LogSink} is what Taskhub accepts (`console`, pino, winston, any object with the four methods);
 * {@link Logger} is what it writes through: a sink whose lines carry structured fields (`instanceId`, `activity`,
 * `errorType`...). {@link toLogger} adapts any sink: a pino-like logger gets the fields as its first argument, any
 * other sink gets them appended as a last object argument (so `console` prints them after the message).
 * @module
 */
import { format } from "node:util";
import { toFailureDetails, type FailureDetails } from "./failure.js";

/** Where log lines go. `console` fits; so does any structured logger with these four methods. */
export interface LogSink {
  debug(message: string, ...args: unknown[]): void;
  info(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  error(message: string, ...args: unknown[]): void;
}

/** The structured fields of a log line, e.g. `{ instanceId, executionId, name }`. */
export type LogFields = Readonly<Record<string, unknown>>;

/** The four levels a {@link LogSink} has. */
export type SinkLevel = "debug" | "info" | "warn" | "error";

/** Taskhub's logger: lines with a message and fields; children add fields to every line they write. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger whose every line also carries `fields`. */
  child(fields: LogFields): Logger;
}

const LEVELS: readonly SinkLevel[] = ["debug", "info", "warn", "error"];
const LOGGER = Symbol("taskhub.logger");

/** A pino-style logger: `info(fields, message)`, `child(bindings)`, `bindings()`. */
interface PinoLike {
  debug(fields: LogFields, message: string): void;
  info(fields: LogFields, message: string): void;
  warn(fields: LogFields, message: string): void;
  error(fields: LogFields, message: string): void;
  child(bindings: LogFields): PinoLike;
  bindings(): LogFields;
}

function isPinoLike(sink: LogSink): sink is LogSink & PinoLike {
  const candidate = sink as Partial<Record<"child" | "bindings", unknown>>;
  return typeof candidate.child === "function" && typeof candidate.bindings === "function";
}

/**
 * The {@link Logger} writing to `sink`. A pino (or pino-compatible) logger is called as `info(fields, message)` and its
 * own `child` binds fields; any other sink is called as `info(message)` or, with fields, `info(message, fields)`.
 * A logger made here is returned as it is.
 */
export function toLogger(sink: LogSink): Logger {
  if ((sink as Partial<Record<typeof LOGGER, true>>)[LOGGER]) return sink as unknown as Logger;
  return isPinoLike(sink) ? pinoLogger(sink) : plainLogger(sink, {});
}

function brand<T extends object>(logger: T): T {
  Object.defineProperty(logger, LOGGER, { value: true });
  return logger;
}

function pinoLogger(pino: PinoLike): Logger {
  const write =
    (level: SinkLevel) =>
    (message: string, fields?: LogFields): void =>
      pino[level](fields ?? {}, message);
  return brand({
    debug: write("debug"),
    info: write("info"),
    warn: write("warn"),
    error: write("error"),
    child: (fields: LogFields) => pinoLogger(pino.child(fields)),
  });
}

function plainLogger(sink: LogSink, bound: LogFields): Logger {
  const write =
    (level: SinkLevel) =>
    (message: string, fields?: LogFields): void => {
      const all = fields ? { ...bound, ...fields } : bound;
      if (Object.keys(all).length === 0) sink[level](message);
      else sink[level](message, all);
    };
  return brand({
    debug: write("debug"),
    info: write("info"),
    warn: write("warn"),
    error: write("error"),
    child: (fields: LogFields) => plainLogger(sink, { ...bound, ...fields }),
  });
}

/**
 * The {@link LogSink} view of `logger` handed to user code (`ctx.log`, HTTP and timer handlers): a last argument that
 * is a plain object is taken as fields (`log.info("order placed", { orderId })`); other arguments are formatted into
 * the message as `console` does (`log.info("%d items", n)`).
 */
export function toSink(logger: Logger): LogSink {
  const write =
    (level: SinkLevel) =>
    (message: string, ...args: unknown[]): void => {
      const last = args.at(-1);
      const fields = isPlainObject(last) ? (args.pop() as LogFields) : undefined;
      logger[level](args.length > 0 ? format(message, ...args) : String(message), fields);
    };
  return Object.fromEntries(LEVELS.map((level) => [level, write(level)])) as unknown as LogSink;
}

function isPlainObject(value: unknown): value is LogFields {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** The fields describing a failure: `errorType` (the error's class or name) and `errorMessage`. */
export function errorFields(error: unknown): { errorType: string; errorMessage: string } {
  return failureFields(toFailureDetails(error));
}

/** {@link errorFields} of a recorded failure. */
export function failureFields(failure: FailureDetails): { errorType: string; errorMessage: string } {
  return { errorType: failure.errorType, errorMessage: failure.message };
}
