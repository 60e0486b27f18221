/**
 * `taskhub dev`: runs `taskhub start` in a child process and restarts it (gracefully) when a source file under the
 * project directory changes (see `source-watcher.ts` for what is watched and what is ignored).
 * @module
 */
import { spawn, type ChildProcess } from "node:child_process";
import type { LogSink } from "../core/logger.js";
import { IGNORED_DIRECTORIES, watchSources } from "./source-watcher.js";

/** Options of {@link runDevLoop}. */
export interface DevLoopOptions {
  /** The command that starts one generation of the host (node binary and arguments). */
  readonly command: readonly [string, ...string[]];
  /** The project directory, whose source files are watched. */
  readonly watchDir: string;
  readonly log: LogSink;
}

/**
 * How long changes are collected before restarting, so that a save touching several files restarts once. Longer
 * than the watcher's own throttle (chokidar drops a second change of one file within 50 ms of the first): a change
 * it drops comes before the restart, so the new host loads it.
 */
const DEBOUNCE_MS = 150;

/** Runs the host, restarting it on changes, until SIGINT / SIGTERM; resolves with the exit code. */
export function runDevLoop(options: DevLoopOptions): Promise<number> {
  const [executable, ...args] = options.command;
  let child: ChildProcess | undefined;
  let restarting = false;
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  const changed = new Set<string>();

  const start = (): void => {
    // Own process group: a Ctrl-C reaches only this loop, which stops the child gracefully (one SIGTERM). The IPC
    // channel tells the child when this loop is gone, even killed (see `taskhub start`).
    const current = spawn(executable, args, {
      stdio: ["inherit", "inherit", "inherit", "ipc"],
      env: process.env,
      detached: true,
    });
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
  const restart = async (): Promise<void> => {
    if (stopping) return;
    // Every change is followed by a start that begins after it: one seen while restarting schedules another.
    if (restarting) {
      timer = setTimeout(() => void restart(), DEBOUNCE_MS);
      return;
    }
    restarting = true;
    options.log.info(`Change in ${[...changed].join(", ")}: reloading...`);
    changed.clear();
    await stopChild();
    restarting = false;
    if (!stopping) start();
  };
  const watcher = watchSources(
    options.watchDir,
    (file) => {
      changed.add(file);
      clearTimeout(timer);
      timer = setTimeout(() => void restart(), DEBOUNCE_MS);
    },
    (error) =>
      options.log.warn(`Watching files failed: ${error instanceof Error ? error.message : String(error)}`),
  );
  void watcher.ready.then(() => {
    if (!stopping)
      options.log.info(
        `Watching ${watcher.watchedDirectories().length} directories under ${options.watchDir} for changes ` +
          `(ignoring ${[...IGNORED_DIRECTORIES].join(", ")}).`,
      );
  });
  start();
  return new Promise((resolve) => {
    const onSignal = (): void => {
      if (stopping) return;
      stopping = true;
      clearTimeout(timer);
      void Promise.all([watcher.close(), stopChild()]).then(() => resolve(0));
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}
