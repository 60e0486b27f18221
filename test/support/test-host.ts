/**
 * Helpers for end-to-end tests: a started app on a fresh task hub, stopped after the test.
 */
import type { DurableApp, DurableHost, LogSink, TaskHub, WorkerOptions } from "../../src/index.js";

/** Makes a fresh, empty task hub for one test. */
export type HubFactory = () => Promise<TaskHub>;

/** A log sink that keeps lines in memory (tests stay quiet and can assert on logs). */
export class MemoryLog implements LogSink {
  readonly lines: string[] = [];
  debug(message: string): void {
    this.lines.push(`debug ${message}`);
  }
  info(message: string): void {
    this.lines.push(`info ${message}`);
  }
  warn(message: string): void {
    this.lines.push(`warn ${message}`);
  }
  error(message: string): void {
    this.lines.push(`error ${message}`);
  }
}

/** Starts `app` on a fresh hub from `makeHub`; call `host.stop()` when done (use try/finally). */
export async function startHost(
  app: DurableApp,
  makeHub: HubFactory,
  options: WorkerOptions = {},
): Promise<DurableHost & { log: MemoryLog }> {
  const log = new MemoryLog();
  const host = await app.start({ taskHub: await makeHub(), logger: log, ...options });
  return Object.assign(host, { log });
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a truthy value or `timeoutMs` passes. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error("Condition not met in time.");
    await sleep(20);
  }
}
