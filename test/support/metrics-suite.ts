/**
 * The metrics suite, run on a SQLite file (`test/http/metrics.test.ts`) and on PostgreSQL
 * (`test/postgres/pg-metrics.test.ts`): a real host on a real HTTP server runs orchestrations, activities (completed,
 * failed, timed out), entity operations, a failing orchestration, a terminated one, one resumed by another worker
 * (a replay) and one whose lease a dead worker held (a takeover, quarantined as poison work), then `GET /metrics` is
 * parsed and its counters checked by name; queue-depth gauges while activities wait for a slot; the auth of `/metrics`
 * and the separate `--metrics-port`.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { DurableApp, isTaskFailedError, NonRetryableError, type TaskHub } from "../../src/index.js";
import { KeyStore } from "../../src/http/auth/key-store.js";
import { openTaskHub } from "../../src/host/open-task-hub.js";
import { KEYS_ON, startTestHost, type TestHost } from "../http/http-test-host.js";
import { Scrape } from "./prometheus-text.js";
import { eventually } from "./test-host.js";

/** Where a suite's hosts keep their hub. */
export interface MetricsBackend {
  /** Runs before each host (e.g. fails clearly when PostgreSQL is unreachable). */
  readonly prepare?: () => Promise<void>;
  /** `hub` and `hub-name` flags of a new, empty hub; `dir` is the host's temporary directory. */
  readonly flags: (dir: string) => { hub: string; "hub-name": string };
  /** Removes the hub after the host stopped. */
  readonly dispose?: (hubName: string) => Promise<void>;
}

function metricsApp() {
  const app = new DurableApp();
  const gate: { open?: () => void; opened: Promise<void> } = { opened: Promise.resolve() };
  const hello = app.activity("SayHello", (name: string) => `Hello ${name}!`);
  const fails = app.activity("Fails", () => {
    throw new NonRetryableError("no");
  });
  const hangs = app.activity(
    "Hangs",
    (_: null, ctx) =>
      new Promise((_resolve, reject) =>
        ctx.signal.addEventListener("abort", () => reject(new Error("aborted"))),
      ),
  );
  const blocked = app.activity("Blocked", async (n: number) => {
    await gate.opened;
    return n;
  });
  const counter = app.entity("Counter", {
    initialState: () => 0,
    operations: {
      add: (n, by: number) => n + by,
      get: (n) => n,
      explode: (): number => {
        throw new Error("explode");
      },
    },
  });
  app.orchestration("Hello", async (ctx) => [
    await ctx.callActivity(hello, "Tokyo"),
    await ctx.callActivity(hello, "Seattle"),
  ]);
  app.orchestration("Boom", () => {
    throw new TypeError("boom");
  });
  app.orchestration("Waits", (ctx) => ctx.waitForExternalEvent<string>("Go"));
  app.orchestration("Resumes", async (ctx) => {
    ctx.setCustomStatus("waiting");
    return ctx.waitForExternalEvent<string>("Go");
  });
  app.orchestration("Doomed", async (ctx) => ctx.callActivity(hello, "never"));
  app.orchestration("Tolerant", async (ctx) => {
    const outcomes: string[] = [];
    for (const call of [
      () => ctx.callActivity(fails, null),
      () => ctx.callActivity(hangs, null, { timeoutMs: 100 }),
    ])
      try {
        await call();
      } catch (error) {
        outcomes.push(isTaskFailedError(error) ? error.failure.errorType : "other");
      }
    return outcomes;
  });
  app.orchestration("Counts", async (ctx) => {
    await ctx.callEntity(counter, "c", "add", 2);
    await ctx.callEntity(counter, "c", "add", 3);
    try {
      await ctx.callEntity(counter, "c", "explode");
    } catch {
      // counted as a failed operation
    }
    return ctx.callEntity<number>("Counter", "c", "get");
  });
  app.orchestration("FanOut", async (ctx, n: number) => {
    const results = await Promise.all(Array.from({ length: n }, (_, i) => ctx.callActivity(blocked, i)));
    return results.length;
  });
  const closeGate = () => {
    gate.opened = new Promise<void>((resolve) => (gate.open = resolve));
  };
  return { app, gate, closeGate };
}

async function scrape(host: TestHost, path = "/metrics", init?: RequestInit): Promise<Scrape> {
  const response = await host.fetch(path, init);
  assert.equal(response.status, 200, await response.clone().text());
  assert.match(response.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  return new Scrape(await response.text());
}

/** Runs the suite on `backend`. */
export function metricsSuite(title: string, backend: MetricsBackend): void {
  describe(`metrics (${title})`, () => {
    it(
      "counts orchestrations, activities, entity operations, replays, takeovers and quarantines exactly",
      { timeout: 60_000 },
      async () => {
        await backend.prepare?.();
        const { app } = metricsApp();
        const dir = tempDir();
        const flags = backend.flags(dir);
        // Before the host: another worker runs 'Resumes' to its wait (the host has no session for it: a replay), and a
        // worker that dies holds the lease of 'Doomed' (the host takes it over, past its delivery limit: quarantined).
        const other = await app.start({
          taskHub: openTaskHub(flags.hub, flags["hub-name"]),
          logger: quiet,
          heartbeatIntervalMs: 60_000,
        });
        await other.client.startNew("Resumes", { instanceId: "resumes" });
        await eventually(async () => (await other.client.getStatus("resumes"))?.customStatus === "waiting");
        await other.stop();
        const ghost: TaskHub = openTaskHub(flags.hub, flags["hub-name"]);
        await app.createClient(ghost).startNew("Doomed", { instanceId: "doomed" });
        const leased = await ghost.lockOrchestrationWorkItems({ workerId: "ghost", max: 10, leaseMs: 300 });
        assert.deepEqual(
          leased.map((item) => item.instanceId),
          ["doomed"],
        );
        await ghost.close();

        const host = await startTestHost(app, { dir, flags: { ...flags, "max-delivery-count": "1" } });
        try {
          const { client } = host;
          const run = async (name: string, instanceId?: string) =>
            client.waitForCompletion(await client.startNew(name, instanceId ? { instanceId } : {}), {
              timeoutMs: 20_000,
            });
          for (let i = 0; i < 3; i++) assert.equal((await run("Hello")).runtimeStatus, "Completed");
          assert.equal((await run("Boom")).runtimeStatus, "Failed");
          assert.deepEqual((await run("Tolerant")).output, ["NonRetryableError", "TimeoutError"]);
          assert.equal((await run("Counts")).output, 5);
          const waits = await client.startNew("Waits");
          await eventually(async () => (await client.getStatus(waits))?.runtimeStatus === "Running");
          await client.terminate(waits, "enough");
          assert.equal(
            (await client.waitForCompletion(waits, { timeoutMs: 20_000 })).runtimeStatus,
            "Terminated",
          );
          await client.raiseEvent("resumes", "Go", "now");
          assert.equal((await client.waitForCompletion("resumes", { timeoutMs: 20_000 })).output, "now");
          const doomed = await client.waitForCompletion("doomed", { timeoutMs: 20_000 });
          assert.equal(doomed.failureDetails?.errorType, "PoisonMessageError");

          const m = await scrape(host);
          const by = (name: string) => ({ taskhub_orchestration_name: name });
          const started = (name: string) => m.sum("taskhub_orchestrations_started_total", by(name));
          const completed = (name: string) => m.sum("taskhub_orchestrations_completed_total", by(name));
          assert.deepEqual(
            ["Hello", "Boom", "Tolerant", "Counts", "Waits", "Resumes", "Doomed"].map((n) => [
              n,
              started(n),
              completed(n),
            ]),
            [
              ["Hello", 3, 3],
              ["Boom", 1, 0],
              ["Tolerant", 1, 1],
              ["Counts", 1, 1],
              ["Waits", 1, 0],
              ["Resumes", 0, 1], // started by the other worker
              ["Doomed", 1, 0],
            ],
          );
          assert.equal(m.sum("taskhub_orchestrations_failed_total", by("Boom")), 1);
          assert.equal(m.sum("taskhub_orchestrations_failed_total", by("Doomed")), 1);
          assert.equal(m.sum("taskhub_orchestrations_failed_total"), 2);
          assert.equal(m.sum("taskhub_orchestrations_terminated_total", by("Waits")), 1);
          assert.equal(m.sum("taskhub_orchestrations_terminated_total"), 1);

          const activity = (name: string, outcome: string) =>
            m.sum("taskhub_activity_executions_total", {
              taskhub_activity_name: name,
              taskhub_outcome: outcome,
            });
          assert.equal(activity("SayHello", "completed"), 6);
          assert.equal(activity("Fails", "failed"), 1);
          assert.equal(activity("Hangs", "timed_out"), 1);
          assert.equal(m.sum("taskhub_activity_executions_total"), 8);
          assert.equal(m.sum("taskhub_activity_duration_count"), 8);
          assert.equal(m.sum("taskhub_activity_duration_count", { taskhub_activity_name: "SayHello" }), 6);
          const inf = m.find("taskhub_activity_duration_bucket", {
            taskhub_activity_name: "SayHello",
            le: "+Inf",
          });
          assert.equal(inf[0]?.value, 6);

          const entity = (operation: string, outcome: string) =>
            m.sum("taskhub_entity_operations_total", {
              taskhub_entity_name: "counter",
              taskhub_entity_operation: operation,
              taskhub_outcome: outcome,
            });
          assert.deepEqual(
            [entity("add", "completed"), entity("explode", "failed"), entity("get", "completed")],
            [2, 1, 1],
          );
          assert.equal(m.sum("taskhub_entity_operations_total"), 4);

          // Completed instances only, one sample each, from creation to completion.
          assert.equal(m.sum("taskhub_orchestration_duration_count", by("Hello")), 3);
          assert.equal(m.sum("taskhub_orchestration_duration_count", by("Boom")), 0);
          assert.equal(m.sum("taskhub_orchestration_duration_count"), 6);
          assert.ok(m.sum("taskhub_orchestration_episode_duration_count", by("Hello")) >= 3);

          assert.equal(m.sum("taskhub_orchestration_replays_total", by("Resumes")), 1);
          assert.equal(m.sum("taskhub_session_cache_misses_total", by("Resumes")), 1);
          assert.ok(m.sum("taskhub_session_cache_hits_total") > 0);

          assert.equal(
            m.sum("taskhub_lease_takeovers_total", { taskhub_work_item_kind: "orchestration" }),
            1,
          );
          assert.equal(m.sum("taskhub_lease_takeovers_total"), 1);
          assert.equal(
            m.sum("taskhub_work_items_quarantined_total", { taskhub_work_item_kind: "orchestration" }),
            1,
          );
          assert.equal(m.sum("taskhub_work_items_quarantined_total"), 1);
          assert.equal(m.sum("taskhub_instances", { taskhub_orchestration_status: "Completed" }) >= 0, true);
        } finally {
          await host.close();
          await backend.dispose?.(flags["hub-name"]);
        }
      },
    );

    it(
      "reports queue depths and the oldest pending work item while activities wait for a slot",
      { timeout: 60_000 },
      async () => {
        await backend.prepare?.();
        const { app, gate, closeGate } = metricsApp();
        closeGate();
        const dir = tempDir();
        const flags = backend.flags(dir);
        const host = await startTestHost(app, { dir, flags: { ...flags, "max-concurrent-activities": "1" } });
        try {
          const id = await host.client.startNew("FanOut", { input: 4 });
          // One 'Blocked' runs, the other three wait in the activity queue; the gauges are read at scrape time.
          const pending = await eventually(async () => {
            const m = await scrape(host);
            const depth = m.sum("taskhub_queue_depth", { taskhub_queue: "activity" });
            return depth >= 3 ? m : undefined;
          }, 20_000);
          assert.ok(pending.sum("taskhub_queue_oldest_pending_age") >= 0);
          assert.equal(pending.find("taskhub_queue_depth", { taskhub_queue: "inbox" }).length, 1);
          assert.equal(pending.sum("taskhub_work_items_leased", { taskhub_work_item_kind: "activity" }), 1);
          assert.equal(pending.sum("taskhub_instances", { taskhub_orchestration_status: "Running" }), 1);
          gate.open!();
          assert.equal((await host.client.waitForCompletion(id, { timeoutMs: 20_000 })).output, 4);
          await eventually(async () => {
            const m = await scrape(host);
            return (
              m.sum("taskhub_queue_depth", { taskhub_queue: "activity" }) === 0 &&
              m.sum("taskhub_queue_oldest_pending_age") === 0
            );
          }, 20_000);
        } finally {
          gate.open?.();
          await host.close();
          await backend.dispose?.(flags["hub-name"]);
        }
      },
    );

    it(
      "/metrics needs the management API's keys when keys are on; --metrics-port serves it without",
      { timeout: 60_000 },
      async () => {
        await backend.prepare?.();
        const { app } = metricsApp();
        const dir = tempDir();
        const flags = backend.flags(dir);
        const host = await startTestHost(app, {
          dir,
          flags: { ...flags, ...KEYS_ON },
          env: { TASKHUB_SYSTEM_KEY: "the-system-key" },
        });
        let separate: TestHost | undefined;
        try {
          const store = new KeyStore(`${host.dir}/keys.json`);
          const functionKey = store.create("default", "function").key;
          const adminKey = store.create("admin", "admin").key;
          const none = await host.fetch("/metrics");
          assert.equal(none.status, 401);
          assert.equal(((await none.json()) as { error: string }).error, "unauthorized");
          assert.equal((await host.fetch(`/metrics?code=${functionKey}`)).status, 403);
          await scrape(host, "/metrics?code=the-system-key");
          await scrape(host, "/metrics", { headers: { "x-functions-key": adminKey } });
          // The health routes need no key.
          assert.equal((await host.fetch("/healthz")).status, 200);
          await eventually(async () => (await host.fetch("/readyz")).status === 200);

          const dir2 = tempDir();
          const flags2 = backend.flags(dir2);
          separate = await startTestHost(app, {
            dir: dir2,
            flags: { ...flags2, ...KEYS_ON, "metrics-port": "0" },
          });
          const port = separate.metricsPort;
          assert.ok(port !== undefined && port !== separate.port);
          await separate.client.waitForCompletion(await separate.client.startNew("Hello"), {
            timeoutMs: 20_000,
          });
          const onPort = await fetch(`http://127.0.0.1:${port}/metrics`);
          assert.equal(onPort.status, 200);
          const m = new Scrape(await onPort.text());
          assert.equal(
            m.sum("taskhub_orchestrations_completed_total", { taskhub_orchestration_name: "Hello" }),
            1,
          );
          await eventually(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200);
          assert.equal((await fetch(`http://127.0.0.1:${port}/api/anything`)).status, 404);
          // Not on the main port then (even with a key).
          assert.equal((await separate.fetch("/metrics?code=the-system-key")).status, 404);
        } finally {
          await host.close();
          await backend.dispose?.(flags["hub-name"]);
          if (separate) {
            await separate.close();
            await backend.dispose?.(separate.hubName);
          }
        }
      },
    );
  });
}

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A temporary directory, removed when the test file ends. */
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "taskhub-metrics-"));
  dirs.push(dir);
  return dir;
}
