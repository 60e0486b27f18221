/**
 * Helpers for HTTP tests: a real host (worker + HTTP server on an ephemeral port) on a fresh hub, and a test app.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DurableApp, NonRetryableError, type TaskHub } from "../../src/index.js";
import { resolveConfig } from "../../src/host/config.js";
import { startHost, type RunningHost } from "../../src/host/host.js";
import { MemoryLog } from "../support/test-host.js";

/** A started host plus conveniences. */
export interface TestHost extends RunningHost {
  readonly log: MemoryLog;
  readonly dir: string;
  /** The task hub's name (`taskHub=` in management URLs). */
  readonly hubName: string;
  /** `fetch` relative to the host's URL. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Stops the host and removes its temporary directory. */
  close(): Promise<void>;
}

/** Options of {@link startTestHost}. */
export interface TestHostOptions {
  /** Flags as on the command line (`port`, `local-dev`, `hub`...). Default: local-dev on `:memory:`. */
  readonly flags?: Record<string, string | boolean>;
  readonly env?: NodeJS.ProcessEnv;
  /** Use this directory (a hub file shared by several hosts) instead of a fresh one. */
  readonly dir?: string;
}

/**
 * Where test hosts keep their task hub: flags (`hub`, `hub-name`) for each new host, checked before the host starts
 * and cleaned up after it stops. Default: a private in-memory SQLite hub per host.
 */
export interface TestHubBackend {
  /** Runs before each host starts (e.g. fails with a clear message when the database is unreachable). */
  readonly prepare?: () => Promise<void>;
  /** Flags for one new host. */
  readonly flags: () => Record<string, string>;
  /** A hub object for one new host, instead of the `hub` flag (e.g. `memoryTaskHub()`). */
  readonly taskHub?: () => TaskHub;
  /** Runs after the host stopped, with its hub name (e.g. drops its schema). */
  readonly dispose?: (hubName: string) => Promise<void>;
}

let backend: TestHubBackend = { flags: () => ({ hub: ":memory:" }) };

/** Makes the test hosts of this process use `hubs` (PostgreSQL variants of the HTTP tests). */
export function useTestHubBackend(hubs: TestHubBackend): void {
  backend = hubs;
}

/** Starts `app` on 127.0.0.1 and an ephemeral port. */
export async function startTestHost(app: DurableApp, options: TestHostOptions = {}): Promise<TestHost> {
  await backend.prepare?.();
  const hubs = backend;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), "taskhub-http-"));
  const config = resolveConfig({
    flags: {
      port: "0",
      host: "127.0.0.1",
      ...hubs.flags(),
      "keys-file": join(dir, "keys.json"),
      "local-dev": true,
      "shutdown-timeout-ms": "2000",
      ...options.flags,
    },
    env: options.env ?? {},
    cwd: dir,
  });
  const log = new MemoryLog();
  const host = await startHost(app, config, log, { taskHub: hubs.taskHub?.() });
  return Object.assign(host, {
    log,
    dir,
    hubName: config.hubName,
    fetch: (path: string, init?: RequestInit) => fetch(new URL(path, host.url), init),
    close: async () => {
      await host.stop();
      await hubs.dispose?.(config.hubName);
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
    },
  });
}

/** Flags for a host with keys on (not local-dev). */
export const KEYS_ON = { "local-dev": false } as const;

/** A test app: quick, waiting, failing-then-healing, slow and nested orchestrations plus HTTP triggers. */
export function makeTestApp(): { app: DurableApp; healing: { broken: boolean } } {
  const app = new DurableApp();
  const healing = { broken: true };
  const hello = app.activity("SayHello", async (name: string) => `Hello ${name}!`);
  const flaky = app.activity("Flaky", async (n: number) => {
    if (healing.broken) throw new NonRetryableError(`still broken (${n})`);
    return n * 2;
  });
  app.orchestration("Hello", async (ctx, name: string) => {
    const a = await ctx.callActivity(hello, name ?? "Tokyo");
    const b = await ctx.callActivity(hello, "Seattle");
    return [a, b];
  });
  app.orchestration("WaitForApproval", async (ctx) => {
    ctx.setCustomStatus("waiting");
    const approval = await ctx.waitForExternalEvent<{ approved: boolean }>("Approval");
    return approval;
  });
  app.orchestration("ParentOfApproval", async (ctx) =>
    ctx.callSubOrchestrator("WaitForApproval", undefined, { instanceId: `${ctx.instanceId}-child` }),
  );
  app.orchestration("FailOnce", async (ctx) => {
    const first = await ctx.callActivity(hello, "before");
    const value = await ctx.callActivity(flaky, 21);
    return { first, value };
  });
  app.orchestration("Slow", async (ctx, ms: number) => {
    await ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + (ms ?? 1500)));
    return "slow done";
  });
  app.orchestration("Boom", async () => {
    throw new TypeError("boom");
  });
  app.http(
    "Start",
    { route: "orchestrators/{name}", methods: ["POST"] },
    async (request, { client, params }) => {
      const text = await request.text();
      const id = await client.startNew(params.name ?? "", {
        input: text ? (JSON.parse(text) as unknown) : undefined,
      });
      return client.createCheckStatusResponse(request, id);
    },
  );
  app.http(
    "StartAndWait",
    { route: "wait/{name}/{timeoutMs:int}", methods: ["POST"] },
    async (request, ctx) => {
      const id = await ctx.client.startNew(ctx.params.name ?? "");
      return ctx.client.waitForCompletionOrCreateCheckStatusResponse(request, id, {
        timeoutInMilliseconds: Number(ctx.params.timeoutMs),
        retryIntervalInMilliseconds: 100,
      });
    },
  );
  app.http("Payload", { route: "payload/{id}", methods: ["GET"] }, (_request, { client, params }) =>
    client.createHttpManagementPayload(params.id ?? ""),
  );
  app.http(
    "Echo",
    { route: "echo/{*rest}", methods: ["GET", "PUT"], authLevel: "function" },
    (request, ctx) => ({
      method: request.method,
      params: ctx.params,
      subject: ctx.principal?.subject ?? null,
    }),
  );
  app.http("AdminOnly", { route: "admin-only", methods: ["GET"], authLevel: "admin" }, () => ({ ok: true }));
  app.http("Throws", { route: "throws", methods: ["GET"] }, () => {
    throw new Error("secret internals at /srv/app.ts:12");
  });
  app.http("NoContent", { route: "nothing", methods: ["DELETE"] }, () => undefined);
  app.http("SlowRequest", { route: "slow-request/{ms:int}", methods: ["GET"] }, async (_r, { params }) => {
    await new Promise((resolve) => setTimeout(resolve, Number(params.ms)));
    return { slept: Number(params.ms) };
  });
  return { app, healing };
}

/** The management API base path. */
export const MGMT = "/runtime/webhooks/durabletask";

/** Polls `GET url` until it answers 200 (following the async HTTP pattern); returns the last response's JSON. */
export async function pollUntilDone(
  url: string,
  init: RequestInit = {},
  timeoutMs = 10_000,
): Promise<unknown> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(url, init);
    if (response.status === 200) return response.json();
    if (response.status !== 202)
      throw new Error(`unexpected status ${response.status}: ${await response.text()}`);
    await response.body?.cancel();
    if (Date.now() > deadline) throw new Error("instance did not finish in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
