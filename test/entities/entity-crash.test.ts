/**
 * Crash safety of entities with real processes: a worker is killed with SIGKILL in the middle of a batch of entity
 * operations (some ran, none committed); a new worker on the same database file redoes the batch, and every count is
 * exact: each message applied once, in order per sender, each orchestration's call answered once.
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { sqliteTaskHub } from "../../src/index.js";
import { entityCrashApp } from "../support/entity-crash-app.js";
import { journalLines, killChild, startChildWorker } from "../support/child-worker.js";
import { eventually } from "../support/test-host.js";

const workerScript = fileURLToPath(new URL("../support/entity-crash-worker.ts", import.meta.url));

function startWorker(db: string, journal: string): Promise<ChildProcess> {
  return startChildWorker(workerScript, [db, journal]);
}

const kill = killChild;

describe("entity crash safety (SQLite file, real processes, SIGKILL)", () => {
  const dir = mkdtempSync(join(tmpdir(), "taskhub-entity-crash-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps exact counts after a worker is killed mid-batch", async () => {
    const db = join(dir, "hub.db");
    const journal = join(dir, "journal.log");
    const { app, counter, caller } = entityCrashApp(journal, 10);
    const control = await app.start({ taskHub: sqliteTaskHub(db), runWorker: false });
    const signals = 150;
    const callers = 5;
    const calls = 10;
    const expected = signals + callers * calls;
    try {
      for (let i = 0; i < callers; i++)
        await control.client.startNew(caller, {
          instanceId: `caller-${i}`,
          input: { sender: `caller-${i}`, calls },
        });
      for (let seq = 0; seq < signals; seq++)
        await control.client.signalEntity(counter, "c", "add", { sender: "client", seq });

      const committed = async () =>
        ((await control.client.readEntityState(counter, "c")).entityState?.total ?? 0) as number;
      let worker = await startWorker(db, journal);
      // Kill while a batch is half done: operations ran that are not committed.
      await eventually(async () => journalLines(journal).length - (await committed()) >= 10, 30_000);
      await kill(worker);
      const ranBeforeKill = journalLines(journal).length;
      const committedAtKill = await committed();
      assert.ok(committedAtKill < ranBeforeKill, "the worker was killed in the middle of a batch");
      assert.ok(committedAtKill < expected, "work was left");

      worker = await startWorker(db, journal);
      try {
        for (let i = 0; i < callers; i++) {
          const status = await control.client.waitForCompletion(`caller-${i}`, { timeoutMs: 60_000 });
          assert.equal(status.runtimeStatus, "Completed", JSON.stringify(status.failureDetails));
          const history = await control.taskHub.getHistory(`caller-${i}`);
          assert.equal(history.filter((e) => e.type === "EntityOperationCalled").length, calls);
          assert.equal(
            history.filter((e) => e.type === "EntityOperationCompleted").length,
            calls,
            "one response per call",
          );
        }
        await eventually(async () => (await committed()) === expected, 60_000);
      } finally {
        await kill(worker);
      }
      const state = (await control.client.readEntityState(counter, "c")).entityState!;
      assert.equal(state.total, expected, "every message applied exactly once");
      assert.equal(state.outOfOrder, 0, "in order per sender");
      assert.equal(state.last.client, signals - 1);
      const executions = journalLines(journal).map((l) => l.split(" ")[0]);
      assert.ok(executions.length > expected, "operations of the killed batch ran again");
      assert.equal(new Set(executions).size, expected, "every operation ran");
    } finally {
      await control.stop();
    }
  });
});
