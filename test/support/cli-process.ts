/**
 * Helpers for tests of the `taskhub` command as a real child process (`node bin/taskhub.js ...`): spawning it,
 * collecting its output, finding the URLs it listens on, and throwaway project directories.
 */
import {
  spawn,
  spawnSync,
  type ChildProcessWithoutNullStreams,
  type SpawnSyncReturns,
} from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { eventually } from "./test-host.js";

/** The `taskhub` executable. */
export const BIN = fileURLToPath(new URL("../../bin/taskhub.js", import.meta.url));

/** `import` specifier of the package's entry point, for app modules written into temporary directories. */
export const INDEX_URL = pathToFileURL(fileURLToPath(new URL("../../src/index.ts", import.meta.url))).href;

/** A running `taskhub` child process. */
export interface CliChild {
  readonly process: ChildProcessWithoutNullStreams;
  /** Everything it printed so far (stdout and stderr, interleaved as received). */
  readonly output: () => string;
  /** Resolves with its exit code (`null` when killed by a signal). */
  readonly exited: Promise<number | null>;
}

/** Spawns `taskhub ...args` in `cwd`. */
export function spawnCli(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): CliChild {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, ...env } });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { process: child, output: () => output, exited };
}

/** Runs `taskhub ...args` in `cwd` to completion. */
export function runCli(
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...process.env, ...env },
    encoding: "utf8",
  });
}

/** The URLs of every `Taskhub host listening on ...` banner in `output`, in order. */
export function listeningUrls(output: string): string[] {
  return [...output.matchAll(/Taskhub host listening on (http:\/\/\S+)/g)].map((m) => m[1] ?? "");
}

/**
 * Spawns `taskhub start ...args` (pretty logs, so that its banner can be read) and resolves, with the URL it listens
 * on, once it serves; rejects with its output when it exits first.
 */
export async function startServing(
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): Promise<CliChild & { url: string }> {
  const child = spawnCli(["start", ...args, "--log-format", "pretty"], cwd, env);
  const url = await Promise.race([
    eventually(async () => listeningUrls(child.output())[0], 30_000),
    child.exited.then((code) => {
      throw new Error(`taskhub start exited with ${code}:\n${child.output()}`);
    }),
  ]);
  return Object.assign(child, { url });
}

/** Temporary directories, removed by {@link removeTempDirs}. */
const dirs: string[] = [];

/** A new empty temporary directory. */
export function tempDir(prefix = "taskhub-cli-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** Removes the directories made by {@link tempDir} (use in an `after` hook). */
export function removeTempDirs(): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}
