/**
 * Worker child processes for crash tests: start a TypeScript worker script, wait until it prints "ready", and kill
 * it with SIGKILL; read the journal file activities write.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";

/** Starts `node --import tsx <script> ...args` and resolves once it prints "ready". */
export function startChildWorker(script: string, args: readonly string[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`worker exited early with ${code}`)));
    child.stdout!.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("ready")) resolve(child);
    });
  });
}

/** Kills `child` with SIGKILL and resolves once it has exited. */
export function killChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.removeAllListeners("exit");
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

/** The non-empty lines of a journal file (none when it does not exist yet). */
export function journalLines(journal: string): string[] {
  return existsSync(journal) ? readFileSync(journal, "utf8").trim().split("\n").filter(Boolean) : [];
}
