/**
 * `taskhub dev` reloading: every save restarts the host, including saves that write a new file and rename it over
 * the old one (vim, JetBrains, `sed -i`), and the trees that are not the app's sources (`node_modules`, `.git`,
 * `.taskhub`, `dist`, `coverage`) are not watched. Restarts are detected by what the host serves, never by sleeping.
 */
import assert from "node:assert/strict";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join, sep } from "node:path";
import { after, describe, it } from "node:test";
import { IGNORED_DIRECTORIES, watchSources } from "../../src/host/source-watcher.js";
import { INDEX_URL, listeningUrls, removeTempDirs, spawnCli, tempDir } from "../support/cli-process.js";
import { eventually } from "../support/test-host.js";

after(removeTempDirs);

/** Saves `content` to `path` the way vim or JetBrains do: a new file, renamed over the old one. */
function renameSave(path: string, content: string): void {
  const temp = `${path}.${process.pid}.swp`;
  writeFileSync(temp, content);
  renameSync(temp, path);
}

/** A project with source files and, around them, trees that must not be watched. */
function makeProject(): string {
  const dir = tempDir("taskhub-dev-");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
  for (const ignored of IGNORED_DIRECTORIES) {
    mkdirSync(join(dir, ignored, "deep"), { recursive: true });
    writeFileSync(join(dir, ignored, "deep", "index.js"), "export {};\n");
  }
  mkdirSync(join(dir, "src", "node_modules", "dep"), { recursive: true });
  writeFileSync(join(dir, "src", "node_modules", "dep", "index.js"), "export {};\n");
  mkdirSync(join(dir, "src", "deeper"), { recursive: true });
  for (const file of [join("src", "util.ts"), "app.ts", join("src", "deeper", "x.ts")])
    writeFileSync(join(dir, file), "export {};\n");
  return dir;
}

describe("the source watcher", () => {
  it("reports rename-style saves anywhere in the project; never watches node_modules, .git, .taskhub, dist, coverage", async () => {
    const dir = makeProject();
    const changes: string[] = [];
    const errors: unknown[] = [];
    const watcher = watchSources(
      dir,
      (path) => changes.push(path),
      (error) => errors.push(error),
    );
    try {
      await watcher.ready;
      const watched = watcher.watchedDirectories();
      assert.ok(watched.includes(dir) && watched.includes(join(dir, "src", "deeper")), watched.join(", "));
      for (const path of watched) {
        const parts = path.slice(dir.length).split(sep);
        assert.ok(!parts.some((p) => IGNORED_DIRECTORIES.has(p)), `${path} is watched`);
      }
      // Different files: chokidar reports a second change of one file within 50 ms of the first only once (the
      // dev loop's debounce covers that; see the dev test below for repeated saves of one file).
      const files = [join("src", "util.ts"), "app.ts", join("src", "deeper", "x.ts")];
      for (const [round, file] of files.entries()) {
        // A change in every ignored tree first: if any were watched, its event would come before the save's.
        for (const ignored of IGNORED_DIRECTORIES)
          writeFileSync(join(dir, ignored, "deep", "index.js"), `export const round = ${round};\n`);
        writeFileSync(
          join(dir, "src", "node_modules", "dep", "index.js"),
          `export const round = ${round};\n`,
        );
        renameSave(join(dir, file), `export const round = ${round};\n`);
        await eventually(async () => changes.includes(file), 20_000);
      }
      assert.deepEqual([...new Set(changes)], files, "only the saved source files");
      assert.deepEqual(errors, []);
    } finally {
      await watcher.close();
    }
  });
});

describe("taskhub dev", () => {
  it("restarts the host on each of several rename-style saves in a row", async () => {
    const dir = makeProject();
    const app = join(dir, "app.ts");
    const source = (generation: number) =>
      `import { DurableApp } from ${JSON.stringify(INDEX_URL)};\n` +
      `const app = new DurableApp();\n` +
      `app.http("Generation", { route: "generation", methods: ["GET"] }, () => ({ generation: ${generation} }));\n` +
      `export default app;\n`;
    writeFileSync(app, source(0));
    const child = spawnCli(["dev", "app.ts", "--port", "0", "--hub", "hub.db"], dir);
    /** The generation served by the newest host, or undefined while it is (re)starting. */
    const served = async (): Promise<number | undefined> => {
      const url = listeningUrls(child.output()).at(-1);
      if (!url) return undefined;
      const response = await fetch(`${url}/api/generation`).catch(() => undefined);
      if (!response?.ok) return undefined;
      return ((await response.json()) as { generation: number }).generation;
    };
    try {
      await eventually(async () => /Watching \d+ directories under/.test(child.output()), 30_000);
      await eventually(async () => (await served()) === 0, 30_000);
      for (let generation = 1; generation <= 3; generation++) {
        writeFileSync(join(dir, "node_modules", "deep", "index.js"), `export const g = ${generation};\n`);
        renameSave(app, source(generation));
        await eventually(async () => (await served()) === generation, 30_000);
      }
      const reloads = child.output().match(/Change in .*: reloading/g) ?? [];
      assert.ok(reloads.length >= 3, child.output());
      assert.ok(
        reloads.every((line) => !line.includes("node_modules")),
        reloads.join("\n"),
      );
      child.process.kill("SIGTERM");
      assert.equal(await child.exited, 0);
    } finally {
      child.process.kill("SIGKILL");
    }
  });
});
