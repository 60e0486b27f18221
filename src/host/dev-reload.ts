/**
 * `taskhub dev`: runs `taskhub start` in a child process and restarts it (gracefully) when a source file under the
 * project directory changes. `node_modules`, `.git`, `.taskhub` and `dist` are ignored.
 * @module
 */
import { spawn, type ChildProcess } from "node:child_process";
import { watch } from "node:fs";
import type { LogSink } from "../core/logger.js";

/** Options of {@link runDevLoop}. */
export interface DevLoopOptions {
  /** The command that starts one generation of the host (node binary and arguments). */
  readonly command: readonly [string, ...string[]];
  /** The directory watched (recursively). */
  readonly watchDir: string;
  readonly log: LogSink;
}

const IGNORED = /(^|[/\\])(node_modules|\.git|\.taskhub|dist|coverage)([/\\]|$)/;
const SOURCE = /\.(ts|mts|cts|tsx|js|mjs|cjs|json)$/;

/** Runs the host, restarting it on changes, until SIGINT / SIGTERM; resolves with the exit code. */
export function runDevLoop(options: DevLoopOptions): Promise<number> {
  const [executable, ...args] = options.command;
  let child: ChildProcess | undefined;
  let restarting = false;
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;

  const start = (): void => {
    // Own process group: a Ctrl-C reaches only this loop, which stops the child gracefully (one SIGTERM).
    const current = spawn(executable, args, { stdio: "inherit", env: process.env, detached: true });
    child = current;
    current.on("exit", (code, signal) => {
      if (child === current) child = undefined;
      if (!restarting && !stopping)
        options.log.warn(`Host exited (${signal ?? `code ${code}`}); waiting for a file change to restart.`);
    });
  };
  const stopChild = async (): Promise<void> => {
    const current = child;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      current.once("exit", () => resolve());
      current.kill("SIGTERM");
    });
  };
  const restart = async (file: string): Promise<void> => {
    if (restarting || stopping) return;
    restarting = true;
    options.log.info(`Change in ${file}: reloading...`);
    await stopChild();
    restarting = false;
    if (!stopping) start();
  };
  const watcher = watch(options.watchDir, { recursive: true }, (_event, file) => {
    const name = file?.toString() ?? "";
    if (!name || IGNORED.test(name) || !SOURCE.test(name)) return;
    clearTimeout(timer);
    timer = setTimeout(() => void restart(name), 150);
  });
  start();
  return new Promise((resolve) => {
    const onSignal = (): void => {
      if (stopping) return;
      stopping = true;
      clearTimeout(timer);
      watcher.close();
      void stopChild().then(() => resolve(0));
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}
