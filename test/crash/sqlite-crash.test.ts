/**
 * Crash safety with real processes: a worker child process is killed with SIGKILL in the middle of an activity and
 * again while durable timers are pending; a new worker on the same database file finishes everything.
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { sqliteTaskHub, type HistoryEvent } from "../../src/index.js";
import { crashApp } from "../support/crash-app.js";
import { journalLines, killChild, startChildWorker } from "../support/child-worker.js";
import { eventually } from "../support/test-host.js";

const workerScript = fileURLToPath(new URL("../support/crash-worker.ts", import.meta.url));

function startWorker(db: string, journal: string): Promise<ChildProcess> {
  return startChildWorker(workerScript, [db, journal]);
}

const kill = killChild;

describe("crash safety (SQLite file, real processes, SIGKILL)", () => {
  const dir = mkdtempSync(join(tmpdir(), "taskhub-crash-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("finishes every instance after kills mid-activity and mid-timer, without duplicate history", async () => {
    const db = join(dir, "hub.db");
    const journal = join(dir, "journal.log");
    const { app, workflow } = crashApp(journal, 300);
    const control = await app.start({ taskHub: sqliteTaskHub(db), runWorker: false });
    const orders = Array.from({ length: 8 }, (_, i) => `order-${i}`);
    try {
      for (const order of orders)
        await control.client.startNew(workflow, { instanceId: order, input: order });

      // 1. Kill a worker while activities are running.
      let worker = await startWorker(db, journal);
      await eventually(async () => journalLines(journal).some((l) => l.startsWith("start")));
      await kill(worker);
      const started = journalLines(journal).filter((l) => l.startsWith("start")).length;
      const ended = journalLines(journal).filter((l) => l.startsWith("end")).length;
      assert.ok(started > ended, "the worker was killed in the middle of an activity");

      // 2. A new worker takes over (after the lease expires); kill it while timers are pending.
      worker = await startWorker(db, journal);
      await eventually(async () => {
        const histories = await Promise.all(orders.map((o) => control.taskHub.getHistory(o)));
        return histories.some(
          (h) => h.some((e) => e.type === "TimerCreated") && !h.some((e) => e.type === "TimerFired"),
        );
      }, 30_000);
      await kill(worker);

      // 3. A third worker finishes everything.
      worker = await startWorker(db, journal);
      try {
        for (const order of orders) {
          const status = await control.client.waitForCompletion(order, { timeoutMs: 60_000 });
          assert.equal(
            status.runtimeStatus,
            "Completed",
            `${order}: ${JSON.stringify(status.failureDetails)}`,
          );
          assert.deepEqual(
            status.output,
            [0, 1, 2, 3].map((s) => `${order}:${s}`),
          );
          assertNoDuplicateSteps(order, await control.taskHub.getHistory(order));
        }
      } finally {
        await kill(worker);
      }
      // At-least-once: the activity interrupted by the kill ran again, under the same idempotency key.
      const keys = journalLines(journal)
        .filter((l) => l.startsWith("end"))
        .map((l) => l.split(" ")[1]);
      assert.equal(new Set(keys).size, orders.length * 4, "every activity call completed under its own key");
    } finally {
      await control.stop();
    }
  });
});

function assertNoDuplicateSteps(order: string, history: readonly HistoryEvent[]): void {
  const scheduled = new Map<number, number>();
  const completed = new Map<number, number>();
  for (const event of history) {
    if (event.type === "TaskScheduled" || event.type === "TimerCreated")
      scheduled.set(event.eventId, (scheduled.get(event.eventId) ?? 0) + 1);
    if (event.type === "TaskCompleted")
      completed.set(event.taskScheduledId, (completed.get(event.taskScheduledId) ?? 0) + 1);
    if (event.type === "TimerFired") completed.set(event.timerId, (completed.get(event.timerId) ?? 0) + 1);
  }
  for (const [id, n] of scheduled) assert.equal(n, 1, `${order}: task #${id} scheduled ${n} times`);
  for (const [id, n] of completed) assert.equal(n, 1, `${order}: task #${id} completed ${n} times`);
  assert.equal(scheduled.size, 5, `${order}: 4 activities + 1 timer`);
  assert.equal(completed.size, 5);
  assert.equal(history.filter((e) => e.type === "ExecutionCompleted").length, 1);
}
