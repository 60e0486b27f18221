/**
 * Helpers for logging tests: the host's pino logger writing JSON lines into memory, and a console-like sink that
 * records what it is called with.
 */
import { Writable } from "node:stream";
import type { LogSink } from "../../src/index.js";
import { createHostLogger, type LogFormat, type LogLevel } from "../../src/host/logging.js";

/** One parsed JSON log line. */
export type LogLine = Record<string, unknown> & { level: string; msg: string; time: string };

/** A pino logger (the host's) whose lines are kept in memory. */
export interface CapturedLogger {
  readonly logger: ReturnType<typeof createHostLogger>;
  /** Everything written, as text. */
  text(): string;
  /** The lines written, parsed (JSON format only). */
  lines(): LogLine[];
}

/** The host's logger at `level` in `format`, writing into memory. */
export function captureHostLogger(level: LogLevel = "debug", format: LogFormat = "json"): CapturedLogger {
  let text = "";
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      text += chunk.toString();
      callback();
    },
  });
  const logger = createHostLogger({ level, format, destination });
  return {
    logger,
    text: () => text,
    lines: () =>
      text
        .split("\n")
        .filter((line) => line.length > 0)
        .map((line) => JSON.parse(line) as LogLine),
  };
}

/** One call of a {@link RecordingSink} method. */
export interface SinkCall {
  readonly level: keyof LogSink;
  readonly message: string;
  readonly args: readonly unknown[];
}

/** A console-like sink (no `child`, no `bindings`) that records its calls. */
export class RecordingSink implements LogSink {
  readonly calls: SinkCall[] = [];
  debug(message: string, ...args: unknown[]): void {
    this.calls.push({ level: "debug", message, args });
  }
  info(message: string, ...args: unknown[]): void {
    this.calls.push({ level: "info", message, args });
  }
  warn(message: string, ...args: unknown[]): void {
    this.calls.push({ level: "warn", message, args });
  }
  error(message: string, ...args: unknown[]): void {
    this.calls.push({ level: "error", message, args });
  }
}
