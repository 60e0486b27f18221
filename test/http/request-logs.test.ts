/**
 * The HTTP server's log lines: one structured `info` line per request (`method`, redacted `path`, `status`, `ms`),
 * handler logs with the trigger's name, and a client that goes away mid-body: one `debug` line, no `error`, no 500.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { DurableApp } from "../../src/index.js";
import { resolveConfig } from "../../src/host/config.js";
import { startHost } from "../../src/host/host.js";
import { captureHostLogger } from "../support/log-capture.js";
import { eventually } from "../support/test-host.js";

function uploadApp(): DurableApp {
  const app = new DurableApp();
  app.http("Upload", { route: "upload", methods: ["POST"] }, async (request, ctx) => {
    const size = (await request.arrayBuffer()).byteLength;
    ctx.log.info("received %d bytes", size, { size });
    return { size };
  });
  return app;
}

const dir = mkdtempSync(join(tmpdir(), "taskhub-request-logs-"));
after(() => rmSync(dir, { recursive: true, force: true }));

async function start(app: DurableApp, capture: ReturnType<typeof captureHostLogger>) {
  const config = resolveConfig({
    flags: { port: "0", host: "127.0.0.1", hub: ":memory:", "local-dev": true },
    env: {},
    cwd: dir,
  });
  return startHost(app, config, capture.logger);
}

describe("HTTP request logs", () => {
  it("one info line per request with method, redacted path, status and ms; handler lines name the trigger", async () => {
    const capture = captureHostLogger("debug");
    const host = await start(uploadApp(), capture);
    try {
      const response = await fetch(`${host.url}/api/upload?code=s3cret&x=1`, {
        method: "POST",
        body: "hello",
      });
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { size: 5 });
      await eventually(async () => capture.lines().some((l) => l.status === 200));
      const [line] = capture.lines().filter((l) => l.status === 200);
      assert.equal(line?.level, "info");
      assert.equal(line?.method, "POST");
      assert.equal(line?.path, "/api/upload?code=***&x=1");
      assert.equal(typeof line?.ms, "number");
      assert.match(String(line?.msg), /^POST \/api\/upload\?code=\*\*\*&x=1 200 \d+ms$/);
      const handler = capture.lines().find((l) => l.msg === "received 5 bytes");
      assert.equal(handler?.trigger, "Upload");
      assert.equal(handler?.size, 5);
      assert.ok(!capture.text().includes("s3cret"));
    } finally {
      await host.stop();
    }
  });

  it("a client that aborts mid-body is one debug line: no error line, no response", async () => {
    const capture = captureHostLogger("debug");
    const host = await start(uploadApp(), capture);
    try {
      const seen = once(host.server, "request");
      const socket = connect(host.port, "127.0.0.1");
      await once(socket, "connect");
      let answered = "";
      socket.on("data", (chunk: Buffer) => (answered += chunk.toString()));
      socket.write(
        "POST /api/upload?code=s3cret HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n" +
          "Content-Length: 1000000\r\n\r\n" +
          "x".repeat(1000),
      );
      await seen; // the server is reading the body
      socket.destroy();
      await eventually(async () => capture.lines().some((l) => l.aborted === true));
      const [aborted, ...more] = capture.lines().filter((l) => l.aborted === true);
      assert.equal(more.length, 0);
      assert.equal(aborted?.level, "debug");
      assert.equal(aborted?.method, "POST");
      assert.equal(aborted?.path, "/api/upload?code=***");
      assert.equal(aborted?.status, undefined, "no status: nothing was sent");
      assert.ok(Number(aborted?.receivedBytes) <= 1000);
      assert.match(String(aborted?.msg), /the client went away mid-body/);
      // The server keeps serving, and wrote no error, no stack and no 500 about the aborted request.
      assert.equal((await fetch(`${host.url}/api/upload`, { method: "POST", body: "ok" })).status, 200);
      await eventually(async () => capture.lines().some((l) => l.status === 200));
      const lines = capture.lines();
      assert.deepEqual(
        lines.filter((l) => l.level === "error" || l.level === "warn"),
        [],
        "no error or warn line",
      );
      assert.deepEqual(
        lines.filter((l) => l.status !== undefined && l.status !== 200),
        [],
        "no request line with an error status",
      );
      assert.ok(!capture.text().includes("stack"));
      assert.equal(answered, "", "the aborted request got no response");
    } finally {
      await host.stop();
    }
  });
});
