/**
 * Durable HTTP (`ctx.callHttp`) on a real SQLite hub against a local `node:http` server: a 202 with `Location`
 * polled on durable timers (Retry-After honoured, 1 s by default) until a 200, every request an activity recorded in
 * history; a non-2xx response is a result; a network error fails the task and is retried under `retry`; the async
 * pattern off returns the 202; a malformed request fails the orchestration with a clear message.
 */
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  DurableApp,
  HTTP_ACTIVITY,
  RetryPolicy,
  sqliteTaskHub,
  type DurableHost,
  type DurableHttpRequest,
  type DurableHttpResponse,
} from "../../src/index.js";
import { MemoryLog } from "../support/test-host.js";
import { createTestEnvironment } from "../../src/testing/index.js";

const dir = mkdtempSync(join(tmpdir(), "taskhub-http-"));
let server: Server;
let base: string;
let host: DurableHost;
const requests: { method: string; url: string; body: string; auth: string | undefined }[] = [];
let polls = 0;
const slow = new Map<string, number>();

async function bodyOf(req: IncomingMessage): Promise<string> {
  let text = "";
  for await (const chunk of req) text += String(chunk);
  return text;
}

before(async () => {
  server = createServer((req, res) => {
    void bodyOf(req).then((body) => {
      requests.push({ method: req.method!, url: req.url!, body, auth: req.headers.authorization });
      if (req.method === "POST" && req.url === "/jobs") {
        polls = 0;
        res.writeHead(202, { Location: "/jobs/7/status", "Retry-After": "0" }).end("accepted");
      } else if (req.url === "/jobs/7/status") {
        polls++;
        // The first poll: still running, no Retry-After (the default 1 s); the second: done.
        if (polls === 1) res.writeHead(202, { Location: `${base}/jobs/7/status` }).end();
        else res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ done: true }));
      } else if (req.url?.startsWith("/slow/")) {
        // Answers 202 twice per job, an hour apart, then 200.
        const job = req.url.slice("/slow/".length);
        const seen = (slow.get(job) ?? 0) + 1;
        slow.set(job, seen);
        if (seen <= 2) res.writeHead(202, { Location: req.url, "Retry-After": "3600" }).end();
        else res.writeHead(200).end(`job ${job} done`);
      } else if (req.url === "/missing") res.writeHead(404, { "X-Why": "gone" }).end("no such thing");
      else res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const app = new DurableApp();
  app.orchestration("Http", async (ctx, request: DurableHttpRequest) => ctx.callHttp(request));
  app.orchestration("HttpRetry", async (ctx, url: string) =>
    ctx.callHttp({
      url,
      retry: new RetryPolicy({ firstRetryIntervalMs: 10, maxNumberOfAttempts: 3 }),
    }),
  );
  host = await app.start({
    taskHub: sqliteTaskHub(join(dir, "hub.db")),
    logger: new MemoryLog(),
    maxPollIntervalMs: 50,
  });
});

after(async () => {
  await host?.stop();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

async function run(name: string, input: unknown) {
  const id = await host.client.startNew(name, { input });
  return { id, status: await host.client.waitForCompletion(id, { timeoutMs: 30_000 }) };
}

describe("ctx.callHttp", () => {
  it("polls a 202 with Location on durable timers until the final 200, each request recorded as an activity", async () => {
    requests.length = 0;
    const { id, status } = await run("Http", {
      method: "POST",
      url: `${base}/jobs`,
      headers: { Authorization: "Bearer t" },
      body: { size: 3 },
    });
    assert.equal(status.runtimeStatus, "Completed", JSON.stringify(status.failureDetails));
    const response = status.output as DurableHttpResponse;
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers["content-type"], "application/json");
    assert.deepEqual(JSON.parse(response.content), { done: true });
    assert.deepEqual(
      requests.map((r) => [r.method, r.url, r.body, r.auth]),
      [
        ["POST", "/jobs", '{"size":3}', "Bearer t"],
        ["GET", "/jobs/7/status", "", "Bearer t"],
        ["GET", "/jobs/7/status", "", "Bearer t"],
      ],
    );
    const history = await host.taskHub.getHistory(id);
    const scheduled = history.filter((e) => e.type === "TaskScheduled");
    assert.deepEqual(
      scheduled.map((e) => (e as { name: string }).name),
      [HTTP_ACTIVITY, HTTP_ACTIVITY, HTTP_ACTIVITY],
    );
    assert.equal(history.filter((e) => e.type === "TaskCompleted").length, 3);
    // Retry-After: 0, then the default 1 s.
    const timers = history.filter((e) => e.type === "TimerCreated") as {
      fireAt: string;
      timestamp: string;
    }[];
    assert.equal(timers.length, 2);
    const delays = timers.map((t) => Date.parse(t.fireAt) - Date.parse(t.timestamp));
    assert.ok(delays[0]! <= 50, `first delay ${delays[0]}`);
    assert.ok(delays[1]! >= 950 && delays[1]! <= 1050, `second delay ${delays[1]}`);
  });

  it("returns a non-2xx response as the result, and the 202 itself with the async pattern off", async () => {
    const missing = await run("Http", { url: `${base}/missing` });
    assert.equal(missing.status.runtimeStatus, "Completed");
    const response = missing.status.output as DurableHttpResponse;
    assert.deepEqual(
      [response.statusCode, response.headers["x-why"], response.content],
      [404, "gone", "no such thing"],
    );
    const accepted = await run("Http", {
      method: "POST",
      url: `${base}/jobs`,
      asynchronousPatternEnabled: false,
    });
    const first = accepted.status.output as DurableHttpResponse;
    assert.deepEqual(
      [first.statusCode, first.headers.location, first.content],
      [202, "/jobs/7/status", "accepted"],
    );
  });

  it("fails on a network error, after the retries of its policy", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const { id, status } = await run("HttpRetry", `http://127.0.0.1:${port}/`);
    assert.equal(status.runtimeStatus, "Failed");
    assert.match(
      status.failureDetails?.message ?? "",
      /Error: HTTP GET http:\/\/127\.0\.0\.1:\d+\/ failed: ECONNREFUSED/,
    );
    const history = await host.taskHub.getHistory(id);
    assert.equal(history.filter((e) => e.type === "TaskFailed").length, 3);
  });

  it("refuses a malformed request with a clear failure", async () => {
    const relative = await run("Http", { url: "/jobs" });
    assert.equal(relative.status.runtimeStatus, "Failed");
    assert.match(
      relative.status.failureDetails?.message ?? "",
      /callHttp needs an absolute URL, got "\/jobs"/,
    );
    const ftp = await run("Http", { url: "ftp://example.com/x" });
    assert.match(ftp.status.failureDetails?.message ?? "", /supports http: and https: URLs/);
  });

  it("polls an hour apart in the time-skipping test environment without waiting an hour", async () => {
    const app = new DurableApp();
    const call = app.orchestration("Slow", async (ctx, url: string) => ctx.callHttp({ url }));
    await using env = await createTestEnvironment(app);
    const started = env.now();
    const id = await env.client.startNew(call, { input: `${base}/slow/a` });
    const status = await env.client.waitForCompletion(id);
    assert.equal(status.runtimeStatus, "Completed", JSON.stringify(status.failureDetails));
    assert.deepEqual(
      [(status.output as DurableHttpResponse).statusCode, (status.output as DurableHttpResponse).content],
      [200, "job a done"],
    );
    assert.equal(env.now() - started, 2 * 3_600_000);
  });
});
