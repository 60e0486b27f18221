/**
 * Errors activity code throws outside its promise, in real worker processes (`exitOnUncaughtErrors`): a throw in a
 * timer callback, a rejection nobody handles, an `error` event with no listener. Each is logged at `error` with the
 * activity and instance it came from, then the process exits with code 70; without attribution the line lists the
 * work in flight. The delivery count advanced: the next worker's delivery of the activity is its second. And
 * `taskhub start` installs the same handling.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { sqliteTaskHub, UNCAUGHT_ERROR_EXIT_CODE, type TaskHub, type WorkTracking } from "../../src/index.js";
import type { ActivityWorkItem } from "../../src/task-hub/task-hub.js";
import { spawnCli } from "../support/cli-process.js";
import { uncaughtApp, type Leak } from "../support/uncaught-app.js";

const script = fileURLToPath(new URL("../support/uncaught-worker.ts", import.meta.url));
const appModule = fileURLToPath(new URL("../support/uncaught-app.ts", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "taskhub-uncaught-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

interface Line {
  readonly level: string;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** Runs the worker script on `db` until it exits; starts `start` once it is ready. */
async function runWorker(
  db: string,
  track: WorkTracking,
  start: () => Promise<void>,
): Promise<{ code: number | null; lines: Line[]; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", script, db, track], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  let started = false;
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    if (!started && stdout.includes("ready\n")) {
      started = true;
      start().catch((error: unknown) => {
        stderr += `start failed: ${String(error)}`;
        child.kill("SIGKILL");
      });
    }
  });
  const code = await exited;
  const lines = stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Line);
  return { code, lines, stderr };
}

/** The next delivery of activity `name`, once the lease the crashed worker held has expired. */
async function nextDelivery(hub: TaskHub, name: string): Promise<ActivityWorkItem> {
  const deadline = performance.now() + 30_000;
  for (;;) {
    const items = await hub.lockActivityWorkItems({ workerId: "next", max: 10, leaseMs: 60_000 });
    const found = items.find((item) => item.name === name);
    if (found) return found;
    assert.ok(performance.now() < deadline, `no delivery of ${name}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The one `error` line of a run. */
function errorLine(lines: readonly Line[]): Line {
  const errors = lines.filter((l) => l.level === "error");
  assert.equal(errors.length, 1, JSON.stringify(lines));
  return errors[0]!;
}

describe("uncaught errors in activity code (real processes)", () => {
  for (const leak of ["timer", "rejection", "emitter"] as const satisfies readonly Leak[]) {
    it(`${leak}: logs the activity and instance it came from, exits with code 70; the delivery counted`, async () => {
      const db = join(dir, `hub-${files++}.db`);
      const { app, leaks, waits } = uncaughtApp();
      const hub = sqliteTaskHub(db);
      const client = app.createClient(hub);
      try {
        const { code, lines, stderr } = await runWorker(db, "all", async () => {
          await client.startNew(waits, { instanceId: "bystander" });
          await client.startNew(leaks, { instanceId: `leaks-${leak}`, input: leak });
        });
        assert.equal(code, UNCAUGHT_ERROR_EXIT_CODE, stderr);
        const line = errorLine(lines);
        assert.match(line.msg, /by activity 'Leaky' \(attempt 1, delivery 1\) of instance 'leaks-/);
        assert.match(line.msg, /exits now \(code 70\)/);
        assert.equal(line.instanceId, `leaks-${leak}`);
        assert.equal(line.activity, "Leaky");
        assert.equal(line.workerId, "leaky-worker");
        assert.equal(line.deliveryCount, 1);
        assert.equal(line.exitCode, 70);
        assert.equal(line.errorType, "Error");
        assert.equal(line.workInFlight, undefined, "the source is known: no list of suspects");
        // Nothing was released on the way out: the next delivery of the activity is its second.
        const next = await nextDelivery(hub, "Leaky");
        assert.equal(next.deliveryCount, 2);
        assert.equal(next.takenOverFrom, "leaky-worker");
      } finally {
        await hub.close();
      }
    });
  }

  it("by default, lists the work in flight after a first delivery, and names the redelivery that crashes again", async () => {
    const db = join(dir, `hub-${files++}.db`);
    const { app, leaks, waits } = uncaughtApp();
    const hub = sqliteTaskHub(db);
    const client = app.createClient(hub);
    try {
      const first = await runWorker(db, "redeliveries", async () => {
        await client.startNew(waits, { instanceId: "bystander" });
        await client.startNew(leaks, { instanceId: "leaks", input: "timer" });
      });
      assert.equal(first.code, UNCAUGHT_ERROR_EXIT_CODE, first.stderr);
      const listed = errorLine(first.lines);
      assert.match(listed.msg, /most likely came from the work in flight: /);
      assert.match(listed.msg, /activity 'Leaky' \(attempt 1, delivery 1\) of instance 'leaks'/);
      assert.equal(listed.instanceId, undefined, "no single source to name");
      const inFlight = listed.workInFlight as string[];
      assert.ok(
        inFlight.some((w) => w.startsWith("activity 'Leaky'")),
        JSON.stringify(inFlight),
      );

      // Restarted (once the leases expired), the redelivered activity crashes the worker again: named exactly.
      const again = await runWorker(db, "redeliveries", async () => undefined);
      assert.equal(again.code, UNCAUGHT_ERROR_EXIT_CODE, again.stderr);
      const named = errorLine(again.lines);
      assert.match(named.msg, /by activity 'Leaky' \(attempt 1, delivery 2\) of instance 'leaks'/);
      assert.equal(named.instanceId, "leaks");
      assert.equal(named.deliveryCount, 2);
    } finally {
      await hub.close();
    }
  });

  it("taskhub start installs it: an activity's timer throws, the host logs it and exits with code 70", async () => {
    const cwd = join(dir, `cli-${files++}`);
    mkdirSync(cwd);
    const db = join(cwd, "hub.db");
    const { app, leaks } = uncaughtApp();
    const hub = sqliteTaskHub(db);
    try {
      await hub.init();
      await app.createClient(hub).startNew(leaks, { instanceId: "cli-leaks", input: "timer" });
      const child = spawnCli(
        [
          "start",
          appModule,
          "--hub",
          db,
          "--port",
          "0",
          "--host",
          "127.0.0.1",
          "--local-dev",
          "--log-format",
          "json",
        ],
        cwd,
      );
      const code = await child.exited;
      assert.equal(code, UNCAUGHT_ERROR_EXIT_CODE, child.output());
      const line = child
        .output()
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as Line)
        .find((l) => l.level === "error");
      assert.ok(line, child.output());
      assert.match(
        line.msg,
        /work in flight: activity 'Leaky' \(attempt 1, delivery 1\) of instance 'cli-leaks'/,
      );
      assert.equal(line.errorMessage, "thrown in a timer callback");
      assert.equal(line.exitCode, 70);
    } finally {
      await hub.close();
    }
  });
});
