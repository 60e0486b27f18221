/**
 * Versioning with real processes: two worker processes of different deployments on one PostgreSQL hub. The old one
 * runs version 1.0 (and older, and unversioned instances: CurrentOrOlder), the new one only 2.0 (Strict); both leave
 * what they must not run for the other (Reject). Instances of every version run to completion, each step on a worker
 * allowed to run it: every activity input records the deployment whose code scheduled it. Before the new worker
 * starts, the old one is alone with the 2.0 instances: it must leave them Pending, logging each once at info.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { postgresTaskHub, type HistoryEvent } from "../../src/index.js";
import { DEFAULT_POSTGRES_URL } from "../../src/sql/postgres/postgres-task-hub.js";
import { versionedApp, type VersionedOutput } from "../support/pg-version-app.js";
import { killWorker, startScriptProcess, type WorkerProcess } from "../support/pg-processes.js";
import { eventually } from "../support/test-host.js";
import {
  config,
  dropCreatedSchemas,
  requirePostgres,
  uniqueHubName,
  withClient,
} from "../task-hub/postgres-support.js";

const URL_ = config.connectionString ?? DEFAULT_POSTGRES_URL;
const script = fileURLToPath(new URL("../support/pg-version-worker.ts", import.meta.url));

/** The deployment tags of the steps `history` scheduled (each activity input names the code that scheduled it). */
function scheduledBy(history: readonly HistoryEvent[]): string[] {
  return history.flatMap((e) =>
    e.type === "TaskScheduled" ? [(JSON.parse(e.input ?? "null") as { by: string }).by] : [],
  );
}

before(requirePostgres);
after(dropCreatedSchemas);

describe("versioning: two worker processes of different versions on one PostgreSQL hub", () => {
  it(
    "runs each instance only on a worker allowed to run it, and leaves the others alone",
    { timeout: 120_000 },
    async () => {
      const hubName = uniqueHubName("versions");
      const { app, steps, parent } = versionedApp("control");
      const control = await app.start({
        taskHub: postgresTaskHub({ connectionString: URL_, hubName }),
        runWorker: false,
      });
      const workers: WorkerProcess[] = [];
      try {
        const oldWorker = await startScriptProcess(script, [hubName, "old", "1.0", "CurrentOrOlder"], URL_);
        workers.push(oldWorker);
        const { client } = control;
        // Which deployment must run each instance: 2.0 the new one; 1.0 and unversioned the old one.
        const expected = new Map<string, { tag: string; version: string | undefined; parent: boolean }>();
        const starts: Promise<unknown>[] = [];
        const add = (id: string, version: string | undefined, isParent: boolean) => {
          expected.set(id, { tag: version === "2.0" ? "new" : "old", version, parent: isParent });
          const def = isParent ? parent : steps;
          starts.push(client.startNew(def, { instanceId: id, ...(version ? { version } : { version: "" }) }));
        };
        for (let i = 0; i < 6; i++) add(`v1-${i}`, "1.0", false);
        for (let i = 0; i < 6; i++) add(`v2-${i}`, "2.0", false);
        for (let i = 0; i < 3; i++) add(`none-${i}`, undefined, false);
        for (let i = 0; i < 2; i++) add(`v1-parent-${i}`, "1.0", true);
        for (let i = 0; i < 2; i++) add(`v2-parent-${i}`, "2.0", true);
        await Promise.all(starts);

        // The old worker alone: it runs its own versions and leaves every 2.0 instance, logging each once.
        const newer = [...expected].filter(([, e]) => e.tag === "new").map(([id]) => id);
        const rejectedOnce = (log: string, id: string) =>
          log.split("\n").filter((l) => l.startsWith("info ") && l.includes(`left orchestration '${id}'`))
            .length;
        await eventually(async () => newer.every((id) => rejectedOnce(oldWorker.log(), id) === 1), 30_000);
        for (const id of ["v1-0", "none-0", "v1-parent-0"])
          assert.equal(
            (await client.waitForCompletion(id, { timeoutMs: 30_000 })).runtimeStatus,
            "Completed",
            id,
          );
        for (const id of newer) assert.equal((await client.getStatus(id))?.runtimeStatus, "Pending", id);
        // Rejected again and again, but never a failed delivery: a stored count is 1 at most (a claim in flight).
        const rejections = (id: string) =>
          oldWorker
            .log()
            .split("\n")
            .filter((l) => l.includes(`left orchestration '${id}'`)).length;
        await eventually(async () => newer.every((id) => rejections(id) >= 3), 30_000);
        const { rows } = await withClient((c) =>
          c.query<{ delivery_count: number }>(
            `SELECT delivery_count FROM "${hubName}".instances WHERE instance_id = ANY($1::text[])`,
            [newer],
          ),
        );
        assert.equal(rows.length, newer.length);
        assert.ok(
          rows.every((r) => Number(r.delivery_count) <= 1),
          JSON.stringify(rows),
        );

        const newWorker = await startScriptProcess(script, [hubName, "new", "2.0", "Strict"], URL_);
        workers.push(newWorker);
        for (const [id, e] of expected) {
          const status = await client.waitForCompletion(id, { timeoutMs: 60_000 });
          assert.equal(status.runtimeStatus, "Completed", `${id}: ${JSON.stringify(status.failureDetails)}`);
          assert.equal(status.version, e.version, `${id}'s version`);
          const output = status.output as VersionedOutput;
          assert.equal(output.finishedBy, e.tag, `${id} finished on the ${e.tag} worker`);
          assert.deepEqual(
            scheduledBy(await control.taskHub.getHistory(id)),
            Array(e.parent ? 1 : 3).fill(e.tag),
            id,
          );
          if (e.parent) {
            // The child was stamped with the version of the worker that started it, and ran there too.
            const child = await client.getStatus(`${id}:child`);
            assert.equal(child?.version, e.tag === "new" ? "2.0" : "1.0");
            assert.deepEqual(scheduledBy(await control.taskHub.getHistory(`${id}:child`)), [
              e.tag,
              e.tag,
              e.tag,
            ]);
          }
        }
        // Rejecting is routine, not a problem: nothing was logged as one, and no 2.0 instance was rejected twice at info.
        for (const worker of workers) {
          const problems = worker
            .log()
            .split("\n")
            .filter((l) => l.startsWith("warn ") || l.startsWith("error "));
          assert.deepEqual(problems, [], "no warnings or errors");
        }
        for (const id of newer)
          assert.equal(rejectedOnce(oldWorker.log(), id), 1, `${id} logged once at info`);
        process.stderr.write(
          `versioning: old worker ${
            oldWorker
              .log()
              .split("\n")
              .filter((l) => l.includes("left orchestration")).length
          } ` +
            `rejections, new worker ${
              newWorker
                .log()
                .split("\n")
                .filter((l) => l.includes("left orchestration")).length
            }\n`,
        );
      } finally {
        await Promise.all(workers.map(killWorker));
        await control.stop();
      }
    },
  );
});
