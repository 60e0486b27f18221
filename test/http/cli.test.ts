/**
 * The `taskhub` command as a real child process: start (serving, printing its URLs, stopping gracefully on SIGTERM
 * and SIGINT with in-flight requests finished), dev (reload on change), keys, and configuration precedence.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { after, describe, it } from "node:test";
import { ConfigError, resolveConfig } from "../../src/host/config.js";
import { eventually } from "../support/test-host.js";

const BIN = fileURLToPath(new URL("../../bin/taskhub.js", import.meta.url));
const APP = fileURLToPath(new URL("./cli-app.ts", import.meta.url));
const INDEX = pathToFileURL(fileURLToPath(new URL("../../src/index.ts", import.meta.url))).href;
const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), "taskhub-cli-"));
  dirs.push(dir);
  return dir;
};
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

interface Child {
  readonly process: ChildProcessWithoutNullStreams;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

function run(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Child {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, ...env } });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { process: child, output: () => output, exited };
}

async function listeningUrl(child: Child): Promise<string> {
  // Not a terminal: JSON lines, where the URL ends the message (before `"`).
  return eventually(
    async () => /Taskhub host listening on (http:\/\/[^\s"]+)/.exec(child.output())?.[1],
    20_000,
  );
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("taskhub start", () => {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`serves, prints its URLs, and on ${signal} finishes the in-flight request before exiting 0`, async () => {
      const dir = tempDir();
      const child = run(
        ["start", APP, "--port", "0", "--host", "127.0.0.1", "--hub", "hub.db", "--local-dev"],
        dir,
      );
      try {
        const url = await listeningUrl(child);
        assert.match(
          child.output(),
          /Start: \[POST\] http:\/\/127\.0\.0\.1:\d+\/api\/orchestrators\/\{name\}/,
        );
        assert.match(
          child.output(),
          /Management API: http:\/\/127\.0\.0\.1:\d+\/runtime\/webhooks\/durabletask/,
        );
        const started = await fetch(
          `${url}/runtime/webhooks/durabletask/orchestrators/Hello?timeout=10&pollingInterval=1`,
          {
            method: "POST",
          },
        );
        assert.equal(started.status, 200);
        const inFlight = fetch(`${url}/api/slow-request/700`);
        await new Promise((resolve) => setTimeout(resolve, 200));
        child.process.kill(signal);
        const response = await inFlight;
        assert.equal(response.status, 200);
        assert.deepEqual(await response.json(), { slept: 700 });
        assert.equal(await child.exited, 0);
        assert.match(child.output(), new RegExp(`${signal} received: stopping`));
        assert.match(child.output(), /Stopped\./);
        assert.match(child.output(), /GET \/api\/slow-request\/700 200/);
      } finally {
        child.process.kill("SIGKILL");
      }
    });
  }

  it("fails clearly on a bad app module or bad configuration", () => {
    const dir = tempDir();
    const missing = spawnSync(process.execPath, [BIN, "start", "nope.ts"], { cwd: dir, encoding: "utf8" });
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /does not exist/);
    const badPort = spawnSync(process.execPath, [BIN, "start", APP, "--port", "http"], {
      cwd: dir,
      encoding: "utf8",
    });
    assert.equal(badPort.status, 1);
    assert.match(badPort.stderr, /--port must be an integer/);
    const noApp = spawnSync(process.execPath, [BIN, "start"], { cwd: dir, encoding: "utf8" });
    assert.equal(noApp.status, 2);
  });
});

describe("taskhub dev", () => {
  it("reloads the app when a file changes", async () => {
    const dir = tempDir();
    const source = (greeting: string) =>
      `import { DurableApp } from ${JSON.stringify(INDEX)};\n` +
      `const app = new DurableApp();\n` +
      `app.http("Greet", { route: "greet", methods: ["GET"] }, () => ({ greeting: ${JSON.stringify(greeting)} }));\n` +
      `export default app;\n`;
    writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
    writeFileSync(join(dir, "app.ts"), source("hello"));
    const port = await freePort();
    const child = run(["dev", "app.ts", "--port", String(port), "--hub", "hub.db"], dir);
    try {
      await listeningUrl(child);
      const url = `http://127.0.0.1:${port}/api/greet`;
      assert.deepEqual(await (await fetch(url)).json(), { greeting: "hello" });
      assert.match(child.output(), /Local development mode/);
      writeFileSync(join(dir, "app.ts"), source("reloaded"));
      await eventually(async () => {
        const response = await fetch(url).catch(() => undefined);
        return response?.ok && ((await response.json()) as { greeting: string }).greeting === "reloaded";
      }, 20_000);
      assert.match(child.output(), /Change in app\.ts: reloading/);
      child.process.kill("SIGTERM");
      assert.equal(await child.exited, 0);
    } finally {
      child.process.kill("SIGKILL");
    }
  });
});

describe("taskhub keys", () => {
  it("creates, lists and revokes keys; the secret is printed once and stored hashed", () => {
    const dir = tempDir();
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, [BIN, "keys", ...args, "--keys-file", "k.json"], {
        cwd: dir,
        encoding: "utf8",
      });
    const created = cli("create", "--name", "ci", "--admin");
    assert.equal(created.status, 0, created.stderr);
    const key = created.stdout.trim();
    assert.match(key, /^[A-Za-z0-9_-]{43}$/);
    const listed = cli("list");
    assert.match(listed.stdout, /^ci\tadmin\t/);
    assert.ok(!listed.stdout.includes(key));
    assert.equal(cli("create", "--name", "ci").status, 1);
    assert.equal(cli("revoke", "ci").status, 0);
    assert.equal(cli("revoke", "ci").status, 1);
    assert.equal(cli("list").stdout, "");
    assert.equal(cli("rotate").status, 2);
  });
});

describe("configuration precedence", () => {
  it("takes flags over environment variables over the config file over defaults", () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, "taskhub.config.json"),
      JSON.stringify({ port: 7000, host: "10.0.0.1", hubName: "FileHub", maxBodyBytes: 10 }),
    );
    const config = resolveConfig({
      flags: { port: "7100" },
      env: { TASKHUB_PORT: "7200", TASKHUB_HOST: "10.0.0.2" },
      cwd: dir,
    });
    assert.equal(config.port, 7100);
    assert.equal(config.host, "10.0.0.2");
    assert.equal(config.hubName, "FileHub");
    assert.equal(config.maxBodyBytes, 10);
    assert.equal(config.hub, join(dir, ".taskhub/hub.db"));
    assert.equal(config.keysFile, join(dir, ".taskhub/keys.json"));
    const defaults = resolveConfig({ flags: {}, env: {}, cwd: tempDir() });
    assert.equal(defaults.port, 7071);
    assert.equal(defaults.localDev, false);
  });

  it("rejects invalid values naming their source, and secrets in the config file", () => {
    const dir = tempDir();
    assert.throws(
      () => resolveConfig({ flags: {}, env: { TASKHUB_PORT: "99999" }, cwd: dir }),
      /TASKHUB_PORT must be an integer/,
    );
    writeFileSync(join(dir, "bad.json"), JSON.stringify({ systemKey: "s3cret" }));
    assert.throws(
      () => resolveConfig({ flags: {}, env: {}, cwd: dir, configFile: "bad.json" }),
      (error: Error) =>
        error instanceof ConfigError &&
        /TASKHUB_SYSTEM_KEY/.test(error.message) &&
        !error.message.includes("s3cret"),
    );
    writeFileSync(join(dir, "typo.json"), JSON.stringify({ prot: 1 }));
    assert.throws(
      () => resolveConfig({ flags: {}, env: {}, cwd: dir, configFile: "typo.json" }),
      /Unknown setting 'prot'/,
    );
  });
});
