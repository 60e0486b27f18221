/**
 * Describing why the user's app module failed to load, in terms of the user's own files: a syntax error as one
 * `file:line:col: message` line (from esbuild's error for TypeScript, from `node --check` for JavaScript), any other
 * error as its message and the stack frames in the user's code only (no loader, bundler or Node.js internals).
 * @module
 */
import { spawnSync } from "node:child_process";
import { extname, join, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** This package's own code: frames in it are the loader's, not the user's. */
const OWN_DIRECTORIES = ["src", "dist", "bin"].map((dir) =>
  join(fileURLToPath(new URL("../../", import.meta.url)), dir, sep),
);

/** esbuild's error lines: `/path/app.ts:3:10: ERROR: Expected ";" but found "x"`. */
const ESBUILD_ERROR = /^(.+?):(\d+):(\d+): ERROR: (.*)$/gm;

/** How the import of the app module at `path` failed, in a few lines (without a trailing newline). */
export function describeLoadError(error: unknown, path: string): string {
  if (!(error instanceof Error)) return `App module ${path} failed to load: it threw ${String(error)}`;
  const esbuild = [...error.message.matchAll(ESBUILD_ERROR)].map(([, file, line, column, message]) =>
    location(file ?? path, line, column, message ?? ""),
  );
  if (esbuild.length > 0) return esbuild.join("\n");
  if (error.name === "SyntaxError" && userFrames(error).length === 0) {
    const located = /\.[cm]?jsx?$/.test(extname(path)) ? checkSyntax(path) : undefined;
    if (located) return located;
  }
  return [`App module ${path} failed to load: ${error.name}: ${error.message}`, ...userFrames(error)].join(
    "\n",
  );
}

function location(file: string, line: unknown, column: unknown, message: string): string {
  return `${file}:${String(line)}:${String(column)}: ${message}`;
}

/** The frames of `error`'s stack that are in the user's code. */
function userFrames(error: Error): string[] {
  return (error.stack ?? "").split("\n").filter((line) => /^\s+at /.test(line) && isUserFrame(line));
}

function isUserFrame(frame: string): boolean {
  const where = /\(([^()]*)\)$/.exec(frame)?.[1] ?? frame.replace(/^\s+at\s+(async\s+)?/, "");
  if (!/^(file:\/\/|[/\\]|[A-Za-z]:[/\\])/.test(where)) return false; // node:internal, <anonymous>, native
  let file = where.replace(/(:\d+)+$/, "");
  if (file.startsWith("file://")) {
    try {
      file = fileURLToPath(file);
    } catch {
      return false;
    }
  }
  return !/[/\\]node_modules[/\\]/.test(file) && !OWN_DIRECTORIES.some((dir) => file.startsWith(dir));
}

/**
 * Locates a JavaScript syntax error in the app module with `node --check` (Node.js does not put the location in the
 * error it throws on import). Undefined when the module itself parses (the error is in a module it imports).
 */
function checkSyntax(path: string): string | undefined {
  const check = spawnSync(process.execPath, ["--check", path], { encoding: "utf8", timeout: 30_000 });
  if (check.status === 0 || typeof check.stderr !== "string") return undefined;
  // `/path/app.js:3`, the source line, a caret under the column, a blank line, `SyntaxError: message`.
  const lines = check.stderr.split("\n");
  const at = /^(.*):(\d+)$/.exec(lines[0] ?? "");
  const caret = lines[2]?.indexOf("^") ?? -1;
  const message = lines.find((line) => line.startsWith("SyntaxError: "))?.slice("SyntaxError: ".length);
  if (!at || message === undefined) return undefined;
  const file = at[1]?.startsWith("file://") ? fileURLToPath(at[1]) : (at[1] ?? path);
  return location(file, at[2], caret >= 0 ? caret + 1 : 1, message);
}
