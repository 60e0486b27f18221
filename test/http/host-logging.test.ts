/**
 * The host's logger: `--log-level` / `TASKHUB_LOG_LEVEL` and `--log-format` / `TASKHUB_LOG_FORMAT` (bad values named),
 * levels filtering, JSON lines and pretty lines, and the real `taskhub start` (JSON lines on a pipe, levels from the
 * environment) and `taskhub dev` (pretty lines from its child) as child processes.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, describe, it } from "node:test";
import { ConfigError, resolveConfig } from "../../src/host/config.js";
import { captureHostLogger } from "../support/log-capture.js";
import { eventually } from "../support/test-host.js";

const BIN = fileURLToPath(new URL("../../bin/taskhub.js", import.meta.url));
const APP = fileURLToPath(new URL("./cli-app.ts", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "taskhub-logging-"));
after(() => rmSync(dir, { recursive: true, force: true }));

// eslint-disable-next-line no-control-regex
const stripColors = (text: string): string => text.replace(/\u001b\[[0-9;]*m/g, "");

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: dir,
    env: { ...process.env, TASKHUB_LOG_LEVEL: "", TASKHUB_LOG_FORMAT: "", ...env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("host logging settings", () => {
  const config = (flags: Record<string, string>, env: NodeJS.ProcessEnv = {}) =>
    resolveConfig({ flags, env, cwd: dir });

  it("--log-level and TASKHUB_LOG_LEVEL set the level (flag first; default info); bad values are named", () => {
    assert.equal(config({}).logLevel, "info");
    assert.equal(config({}).logFormat, undefined, "default: decided by whether stdout is a terminal");
    assert.equal(config({}, { TASKHUB_LOG_LEVEL: "warn" }).logLevel, "warn");
    assert.equal(config({ "log-level": "debug" }, { TASKHUB_LOG_LEVEL: "warn" }).logLevel, "debug");
    assert.equal(config({}, { TASKHUB_LOG_FORMAT: "pretty" }).logFormat, "pretty");
    assert.equal(config({ "log-format": "json" }, { TASKHUB_LOG_FORMAT: "pretty" }).logFormat, "json");
    assert.throws(
      () => config({ "log-level": "verbose" }),
      (error: unknown) =>
        error instanceof ConfigError &&
        /--log-level must be one of trace, debug, info, warn, error, fatal, silent \(got 'verbose'\)/.test(
          error.message,
        ),
    );
    assert.throws(
      () => config({}, { TASKHUB_LOG_FORMAT: "xml" }),
      (error: unknown) =>
        error instanceof ConfigError && /TASKHUB_LOG_FORMAT .*\(got 'xml'\)/.test(error.message),
    );
  });

  it("levels filter lines: warn drops info and debug; silent writes nothing", () => {
    const warn = captureHostLogger("warn");
    warn.logger.debug("a debug line");
    warn.logger.info("an info line");
    warn.logger.warn({ errorType: "E" }, "a warning");
    warn.logger.error("an error");
    assert.deepEqual(
      warn.lines().map((l) => [l.level, l.msg]),
      [
        ["warn", "a warning"],
        ["error", "an error"],
      ],
    );
    const silent = captureHostLogger("silent");
    silent.logger.error("nothing");
    assert.equal(silent.text(), "");
  });

  it("pretty lines are readable: time, level, message and fields on one line, no JSON object per line", () => {
    const pretty = captureHostLogger("info", "pretty");
    pretty.logger.warn({ instanceId: "i-1", errorType: "TypeError" }, "attempt failed");
    const text = stripColors(pretty.text());
    assert.match(
      text,
      /^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: attempt failed \{"instanceId":"i-1","errorType":"TypeError"\}\n$/,
    );
  });
});

describe("taskhub start and dev output", () => {
  it("taskhub start on a pipe writes JSON lines with level, time and message", async () => {
    const host = run(["start", APP, "--port", "0", "--host", "127.0.0.1", "--hub", "json.db", "--local-dev"]);
    try {
      const url = await eventually(
        async () => /Taskhub host listening on (http:\/\/[^\s"]+)/.exec(host.stdout())?.[1],
        20_000,
      );
      assert.equal((await fetch(`${url}/api/echo/x?code=s3cret`)).status, 200);
      await eventually(async () => host.stdout().includes('"status":200'), 20_000);
      host.child.kill("SIGTERM");
      assert.equal(await host.exited, 0, host.stderr());
      const lines = host
        .stdout()
        .split("\n")
        .filter((line) => line.length > 0)
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      for (const line of lines) {
        assert.equal(typeof line.msg, "string");
        assert.ok(["trace", "debug", "info", "warn", "error", "fatal"].includes(String(line.level)));
        assert.ok(!Number.isNaN(Date.parse(String(line.time))), `an ISO timestamp: ${String(line.time)}`);
      }
      const request = lines.find((l) => l.status === 200);
      assert.deepEqual(
        [request?.level, request?.method, request?.path],
        ["info", "GET", "/api/echo/x?code=***"],
      );
      assert.ok(lines.some((l) => l.msg === "Stopped."));
    } finally {
      host.child.kill("SIGKILL");
    }
  });

  it("TASKHUB_LOG_LEVEL=warn silences the info lines of taskhub start", async () => {
    const port = await freePort();
    const host = run(
      ["start", APP, "--port", String(port), "--host", "127.0.0.1", "--hub", "warn.db", "--local-dev"],
      {
        TASKHUB_LOG_LEVEL: "warn",
      },
    );
    try {
      await eventually(
        async () => (await fetch(`http://127.0.0.1:${port}/api/echo/ready`).catch(() => undefined))?.ok,
        20_000,
      );
      host.child.kill("SIGTERM");
      assert.equal(await host.exited, 0, host.stderr());
      assert.equal(host.stdout(), "", "no banner, no request line, no stop lines");
    } finally {
      host.child.kill("SIGKILL");
    }
  });

  it("taskhub dev prints readable lines, its child's too", async () => {
    const port = await freePort();
    const dev = run(["dev", APP, "--port", String(port), "--hub", "dev.db"]);
    try {
      await eventually(async () => /Taskhub host listening on/.test(dev.stdout()), 20_000);
      const text = stripColors(dev.stdout());
      assert.match(
        text,
        /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: taskhub dev: running /m,
        "the dev loop's own line",
      );
      assert.match(
        text,
        /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: Taskhub host listening on http:\/\/127\.0\.0\.1:\d+ /m,
      );
      assert.ok(!text.split("\n").some((line) => line.startsWith("{")), "no JSON lines");
      dev.child.kill("SIGTERM");
      assert.equal(await dev.exited, 0, dev.stderr());
    } finally {
      dev.child.kill("SIGKILL");
    }
  });
});
