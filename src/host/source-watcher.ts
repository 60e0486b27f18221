/**
 * Watching an app's source files for `taskhub dev`, through chokidar: saves that write a new file and rename it over
 * the old one (vim, JetBrains, `sed -i`) are seen every time, and the trees that are not the app's sources
 * (`node_modules`, `.git`, `.taskhub`, `dist`, `coverage`) are never traversed nor watched.
 * @module
 */
import type { Stats } from "node:fs";
import { isAbsolute, relative, sep } from "node:path";
import { watch, type FSWatcher } from "chokidar";

/** Directories never watched, wherever they are under the project directory. */
export const IGNORED_DIRECTORIES: ReadonlySet<string> = new Set([
  "node_modules",
  ".git",
  ".taskhub",
  "dist",
  "coverage",
]);

/** Files whose change restarts the host. */
const SOURCE = /\.(ts|mts|cts|tsx|js|mjs|cjs|jsx|json)$/;

/** True when `path` (absolute, under `root`) is in an ignored directory, or is a file that is not a source file. */
export function isIgnoredPath(root: string, path: string, stats?: Stats): boolean {
  const parts = relative(root, path).split(sep);
  if (parts.some((part) => IGNORED_DIRECTORIES.has(part))) return true;
  return stats?.isFile() === true && !SOURCE.test(path);
}

/** A running watch of source files. */
export interface SourceWatcher {
  /** Resolves once the initial scan is done: changes from then on are reported. */
  readonly ready: Promise<void>;
  /** The directories watched (absolute: `root` and directories under it), for logs and tests. */
  watchedDirectories(): string[];
  /** Stops watching. */
  close(): Promise<void>;
}

/**
 * Watches the source files under `root`, calling `onChange` with the path (relative to `root`) of each source file
 * added, changed or removed, and `onError` with watcher errors.
 */
export function watchSources(
  root: string,
  onChange: (file: string) => void,
  onError: (error: unknown) => void,
): SourceWatcher {
  const watcher: FSWatcher = watch(root, {
    ignored: (path, stats) => isIgnoredPath(root, path, stats),
    ignoreInitial: true,
    persistent: true,
  });
  watcher.on("all", (event, path) => {
    if ((event === "add" || event === "change" || event === "unlink") && SOURCE.test(path))
      onChange(relative(root, path));
  });
  watcher.on("error", onError);
  const ready = new Promise<void>((resolve) => watcher.once("ready", () => resolve()));
  return {
    ready,
    watchedDirectories: () => Object.keys(watcher.getWatched()).filter((dir) => isUnder(root, dir)),
    close: () => watcher.close(),
  };
}

function isUnder(root: string, path: string): boolean {
  const rel = relative(root, path);
  return !rel.startsWith("..") && !isAbsolute(rel);
}
