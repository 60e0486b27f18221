/**
 * Chaos with real processes: 3 worker processes on one PostgreSQL hub run 300 orchestrations (5-activity sequences,
 * fan-outs of 50, durable timers, sub-orchestrations, entity counters) while a supervisor SIGKILLs random workers
 * and starts new ones. Every instance must complete with the right output, the entity counters must be
 * exact, and no history may contain a step twice. Leases are 2 s, so a killed worker's work is taken over quickly.
 * The supervisor kills only workers that hold leases (read from the hub), and counts a kill as orphaning work when the
 * dead worker's leases are still unexpired right after it died: those leases can only end by a takeover, so the
 * takeover assertion tests the engine, not where a random kill happened to land.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { postgresTaskHub } from "../../src/index.js";
import { DEFAULT_POSTGRES_URL } from "../../src/sql/postgres/postgres-task-hub.js";
import { ADDS_PER_COUNT, CHAOS_MIX, COUNTERS, chaosApp } from "../support/pg-chaos-app.js";
import {
  assertNoDuplicateSteps,
  killWorker,
  startWorkerProcess,
  type WorkerProcess,
} from "../support/pg-processes.js";
import { sleep } from "../support/test-host.js";
import {
  config,
  dropCreatedSchemas,
  requirePostgres,
  uniqueHubName,
  withClient,
} from "../task-hub/postgres-support.js";
import { statsOf } from "../../src/task-hub/health.js";

const URL_ = config.connectionString ?? DEFAULT_POSTGRES_URL;
const WORKERS = 3;

/** Workers holding an unexpired lease on an instance or an activity of `hubName` (all, or only `workerId`). */
async function leaseHolders(hubName: string, workerId?: string): Promise<Map<string, number>> {
  const { rows } = await withClient((c) =>
    c.query<{ locked_by: string; leases: string }>(
      `SELECT locked_by, count(*) AS leases FROM (
         SELECT locked_by FROM "${hubName}".instances WHERE lock_expires_at > $1
         UNION ALL SELECT locked_by FROM "${hubName}".activity_queue WHERE lock_expires_at > $1
       ) held WHERE locked_by IS NOT NULL AND ($2::text IS NULL OR locked_by = $2) GROUP BY locked_by`,
      [Date.now(), workerId ?? null],
    ),
  );
  return new Map(rows.map((r) => [r.locked_by, Number(r.leases)]));
}

before(requirePostgres);
after(dropCreatedSchemas);

describe("chaos: PostgreSQL hub, 3 worker processes, random SIGKILLs", () => {
  it(
    "completes 300 orchestrations exactly once each, with exact entity counters",
    { timeout: 150_000 },
    async () => {
      const hubName = uniqueHubName("chaos");
      const { app, sequence, fanOut, timer, parent, count } = chaosApp();
      const control = await app.start({
        taskHub: postgresTaskHub({ connectionString: URL_, hubName }),
        runWorker: false,
      });
      const workers: WorkerProcess[] = [];
      let kills = 0;
      let orphaningKills = 0;
      let supervising = true;
      let supervisor: Promise<void> = Promise.resolve();
      try {
        workers.push(
          ...(await Promise.all(Array.from({ length: WORKERS }, () => startWorkerProcess(URL_, hubName)))),
        );

        // Start the 300 instances, with their expected outputs.
        const expected = new Map<string, unknown>();
        const { client } = control;
        const starts: Promise<unknown>[] = [];
        for (let i = 0; i < CHAOS_MIX.sequence; i++) {
          expected.set(`seq-${i}`, i + 5);
          starts.push(client.startNew(sequence, { instanceId: `seq-${i}`, input: i }));
        }
        for (let i = 0; i < CHAOS_MIX.fanOut; i++) {
          expected.set(`fan-${i}`, (50 * 51) / 2);
          starts.push(client.startNew(fanOut, { instanceId: `fan-${i}`, input: 50 }));
        }
        for (let i = 0; i < CHAOS_MIX.timer; i++) {
          const ms = 1000 + (i % 10) * 500;
          expected.set(`timer-${i}`, ms + 1);
          starts.push(client.startNew(timer, { instanceId: `timer-${i}`, input: ms }));
        }
        for (let i = 0; i < CHAOS_MIX.parent; i++) {
          expected.set(`parent-${i}`, i + 5 + (i + 100 + 5));
          starts.push(client.startNew(parent, { instanceId: `parent-${i}`, input: i }));
        }
        const counts: string[] = [];
        for (let i = 0; i < CHAOS_MIX.count; i++) {
          counts.push(`count-${i}`);
          starts.push(client.startNew(count, { instanceId: `count-${i}`, input: `k${i % COUNTERS}` }));
        }
        await Promise.all(starts);
        assert.equal(expected.size + counts.length, 300);

        // The supervisor: kill a random worker among those holding leases and start a replacement (in the background,
        // so that the kills keep coming while replacements boot). Until three kills have left leases behind it looks
        // every 50 ms (the work is busiest right after the starts); then every 0.8–1.6 s.
        const booting = new Set<Promise<void>>();
        supervisor = (async () => {
          while (supervising) {
            await sleep(orphaningKills < 3 ? 50 : 800 + Math.random() * 800);
            if (!supervising || workers.length === 0) continue;
            const holders = await leaseHolders(hubName);
            const candidates = workers.filter((w) => holders.has(w.workerId));
            if (candidates.length === 0) continue;
            const dead = candidates[Math.floor(Math.random() * candidates.length)]!;
            workers.splice(workers.indexOf(dead), 1);
            await killWorker(dead);
            kills++;
            if ((await leaseHolders(hubName, dead.workerId)).size > 0) orphaningKills++;
            const boot: Promise<void> = startWorkerProcess(URL_, hubName).then((worker) => {
              workers.push(worker);
              booting.delete(boot);
            });
            booting.add(boot);
          }
          await Promise.all(booting);
        })();

        const deadline = Date.now() + 120_000;
        const all = [...expected.keys(), ...counts];
        for (const id of all) {
          const status = await client.waitForCompletion(id, {
            timeoutMs: Math.max(1000, deadline - Date.now()),
          });
          assert.equal(status.runtimeStatus, "Completed", `${id}: ${JSON.stringify(status.failureDetails)}`);
          if (expected.has(id)) assert.deepEqual(status.output, expected.get(id), id);
        }
        supervising = false;
        await supervisor;

        // Exactly-once effects: every add landed once; no history repeats a step.
        const perCounter = (CHAOS_MIX.count / COUNTERS) * ADDS_PER_COUNT;
        for (let k = 0; k < COUNTERS; k++) {
          const state = await client.readEntityState<number>("ChaosCounter", `k${k}`);
          assert.equal(state.entityState, perCounter, `counter k${k}`);
        }
        const children = Array.from({ length: CHAOS_MIX.parent }, (_, i) => [
          `parent-${i}:a`,
          `parent-${i}:b`,
        ]).flat();
        for (const id of [...all, ...children])
          assertNoDuplicateSteps(id, await control.taskHub.getHistory(id));
        const finals = (await Promise.all(counts.map((id) => client.getStatus(id)))).map(
          (s) => s?.output as number,
        );
        assert.ok(Math.max(...finals) === perCounter, "some Count orchestration saw the final total");

        const stats = await statsOf(control.taskHub);
        assert.ok(orphaningKills >= 1, `${orphaningKills} of ${kills} kills left unexpired leases behind`);
        assert.ok(stats.leaseTakeovers >= 1, "killed workers' leases were taken over");
        process.stderr.write(
          `chaos: ${kills} kills (${orphaningKills} leaving leases), ${stats.leaseTakeovers} lease takeovers, ` +
            `${stats.workers.length} workers seen\n`,
        );
      } finally {
        supervising = false;
        await supervisor.catch(() => undefined);
        await Promise.all(workers.map(killWorker));
        await control.stop();
      }
    },
  );
});
