/**
 * The database cut out from under running workers: 2 worker processes on a throwaway PostgreSQL cluster (started by
 * the test with `initdb` / `pg_ctl` on a free port) while their connections are terminated (`pg_terminate_backend`),
 * then while the cluster is stopped for a few seconds and started again. The workers must log, back off, reconnect
 * and finish everything: no instance lost, no step done twice, entity counters exact, no worker crashed.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { postgresTaskHub, type DurableClient, type OrchestrationStatus } from "../../src/index.js";
import { ADDS_PER_COUNT, chaosApp } from "../support/pg-chaos-app.js";
import { startThrowawayCluster, type ThrowawayCluster } from "../support/pg-cluster.js";
import {
  assertNoDuplicateSteps,
  killWorker,
  startWorkerProcess,
  type WorkerProcess,
} from "../support/pg-processes.js";
import { sleep } from "../support/test-host.js";
import { statsOf } from "../../src/task-hub/health.js";

let cluster: ThrowawayCluster | undefined;
before(async () => {
  cluster = await startThrowawayCluster();
});
after(async () => {
  await cluster?.destroy();
});

async function terminateConnections(url: string): Promise<number> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    const result = await client.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE pid <> pg_backend_pid() AND backend_type = 'client backend' AND datname = current_database()`,
    );
    return result.rowCount ?? 0;
  } finally {
    await client.end();
  }
}

/** Waits for completion, riding out the outage (the control client's own queries fail while the server is down). */
async function waitThroughOutage(
  client: DurableClient,
  id: string,
  deadline: number,
): Promise<OrchestrationStatus> {
  for (;;) {
    try {
      return await client.waitForCompletion(id, { timeoutMs: Math.max(1000, deadline - Date.now()) });
    } catch (error) {
      if (Date.now() > deadline || (error as Error).name === "TimeoutError") throw error;
      await sleep(200);
    }
  }
}

describe("database outage under running workers (throwaway cluster)", () => {
  it(
    "survives terminated connections and a server restart without losing an instance",
    { timeout: 120_000 },
    async () => {
      const url = cluster!.url;
      const hubName = "outage";
      const { app, sequence, fanOut, timer, count } = chaosApp(30);
      const control = await app.start({
        taskHub: postgresTaskHub({ connectionString: url, hubName, pool: { max: 4 } }),
        runWorker: false,
      });
      // A control-side pool error while the server is down must not crash the test process either.
      const workers: WorkerProcess[] = [];
      try {
        workers.push(await startWorkerProcess(url, hubName), await startWorkerProcess(url, hubName));
        const expected = new Map<string, unknown>();
        const { client } = control;
        for (let i = 0; i < 40; i++) {
          expected.set(`seq-${i}`, i + 5);
          await client.startNew(sequence, { instanceId: `seq-${i}`, input: i });
        }
        for (let i = 0; i < 4; i++) {
          expected.set(`fan-${i}`, (50 * 51) / 2);
          await client.startNew(fanOut, { instanceId: `fan-${i}`, input: 50 });
        }
        for (let i = 0; i < 16; i++) {
          const ms = 1000 + (i % 4) * 1500; // some fire during the outage, some after
          expected.set(`timer-${i}`, ms + 1);
          await client.startNew(timer, { instanceId: `timer-${i}`, input: ms });
        }
        const counts = Array.from({ length: 10 }, (_, i) => `count-${i}`);
        for (const id of counts) await client.startNew(count, { instanceId: id, input: "total" });

        // 1. Cut every connection, twice.
        await sleep(300);
        assert.ok((await terminateConnections(url)) > 0, "connections were terminated");
        await sleep(500);
        await terminateConnections(url);
        // 2. Take the server down for 3 s, then bring it back.
        await sleep(500);
        await cluster!.stop();
        await sleep(3000);
        await cluster!.start();

        const deadline = Date.now() + 60_000;
        for (const [id, output] of expected) {
          const status = await waitThroughOutage(client, id, deadline);
          assert.equal(status.runtimeStatus, "Completed", `${id}: ${JSON.stringify(status.failureDetails)}`);
          assert.deepEqual(status.output, output, id);
        }
        for (const id of counts) {
          const status = await waitThroughOutage(client, id, deadline);
          assert.equal(status.runtimeStatus, "Completed", `${id}: ${JSON.stringify(status.failureDetails)}`);
        }
        const counter = await client.readEntityState<number>("ChaosCounter", "total");
        assert.equal(
          counter.entityState,
          counts.length * ADDS_PER_COUNT,
          "every entity operation applied once",
        );
        for (const id of [...expected.keys(), ...counts])
          assertNoDuplicateSteps(id, await control.taskHub.getHistory(id));

        for (const worker of workers) {
          assert.equal(
            worker.child.exitCode,
            null,
            `worker ${worker.child.pid} is still running:\n${worker.log()}`,
          );
          assert.match(worker.log(), /error|warn/, "the worker logged the outage");
        }
      } catch (error) {
        for (const worker of workers)
          process.stderr.write(
            `--- worker ${worker.child.pid} (exit ${worker.child.exitCode}):\n${worker.log()}\n`,
          );
        const stats = await statsOf(control.taskHub).catch(() => undefined);
        process.stderr.write(`stats: ${JSON.stringify(stats)}\n`);
        const stuck = await control.taskHub
          .listInstances({ statuses: ["Running", "Pending"] })
          .catch(() => undefined);
        for (const instance of stuck?.instances ?? [])
          process.stderr.write(
            `stuck ${instance.instanceId}: ${JSON.stringify(await control.taskHub.getHistory(instance.instanceId))}\n`,
          );
        throw error;
      } finally {
        await Promise.all(workers.map(killWorker));
        await control.stop().catch(() => undefined);
      }
    },
  );
});
