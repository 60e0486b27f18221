/**
 * Poison work in one process, on the memory hub and a SQLite file: work whose deliveries keep "crashing" the worker
 * (the hub's claims keep it from the worker, its lease left to expire: what a crashed process leaves behind, see
 * `crashingHub`) is quarantined after exactly `maxDeliveryCount` such deliveries, without its code ever running again:
 * an activity fails with a non-retryable `PoisonMessageError` that the orchestration catches and compensates (its
 * retry policy does not retry it), an orchestration fails (its parent is told), an entity operation fails for its
 * caller and the operations after it run. Each quarantine is one `error` line and one count in the hub's stats.
 * Real processes that really crash are in `test/crash/poison-crash.test.ts`.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import {
  DurableApp,
  InvalidArgumentError,
  isTaskFailedError,
  memoryTaskHub,
  RetryPolicy,
  sqliteTaskHub,
  Worker,
  type FailureDetails,
  type TaskHub,
} from "../../src/index.js";
import { requestOfCreation } from "../../src/orchestration/entity-messages.js";
import { statsOf } from "../../src/task-hub/health.js";
import type { HistoryEvent } from "../../src/core/history-event.js";
import type { OrchestrationWorkItem } from "../../src/task-hub/task-hub.js";
import { crashingHub } from "../support/crashing-hub.js";
import { RecordingSink } from "../support/log-capture.js";

const dir = mkdtempSync(join(tmpdir(), "taskhub-poison-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

/** Short leases, so that "crashed" deliveries expire quickly; fast polls. */
const worker = {
  workerId: "poison-worker",
  leaseMs: 100,
  maxPollIntervalMs: 20,
  heartbeatIntervalMs: 60_000,
};

/** The `error` lines of a recording sink. */
const errors = (log: RecordingSink) => log.calls.filter((c) => c.level === "error");

function assertPoison(failure: FailureDetails | undefined, what: RegExp, deliveries: number): void {
  assert.equal(failure?.errorType, "PoisonMessageError", JSON.stringify(failure));
  assert.equal(failure.nonRetryable, true);
  assert.match(failure.message, what);
  assert.match(failure.message, new RegExp(`delivered ${deliveries} times`));
  assert.match(failure.message, /held by worker poison-worker/);
}

function poisonTests(label: string, makeHub: () => TaskHub): void {
  describe(`poison work (${label})`, () => {
    it("quarantines an activity after its maxDeliveryCount: the orchestration compensates, nothing retries", async () => {
      const app = new DurableApp();
      let charges = 0;
      const charge = app.activity("Charge", () => ++charges, { maxDeliveryCount: 3 });
      const refund = app.activity("Refund", (reason: string) => `refunded: ${reason}`);
      const order = app.orchestration("Order", async (ctx) => {
        try {
          const retry = new RetryPolicy({ maxNumberOfAttempts: 5, firstRetryIntervalMs: 10 });
          return { charged: await ctx.callActivity(charge, undefined, { retry }) };
        } catch (error) {
          if (!isTaskFailedError(error)) throw error;
          return { refund: await ctx.callActivity(refund, error.failure.errorType), failure: error.failure };
        }
      });
      const { hub, crashed } = crashingHub(makeHub(), {
        activity: (item) => item.name === "Charge" && item.deliveryCount <= 3,
      });
      const log = new RecordingSink();
      // The worker's limit (10) is not the one that counts: the activity's own (3) is.
      const host = await app.start({ taskHub: hub, logger: log, ...worker });
      try {
        const id = await host.client.startNew(order);
        const status = await host.client.waitForCompletion(id, { timeoutMs: 30_000 });
        assert.equal(status.runtimeStatus, "Completed", JSON.stringify(status.failureDetails));
        const output = status.output as { refund: string; failure: FailureDetails };
        assert.equal(output.refund, "refunded: PoisonMessageError");
        assertPoison(output.failure, /^Activity 'Charge' \(attempt 1\) of instance/, 3);
        assert.equal(crashed.length, 3, "exactly maxDeliveryCount deliveries crashed");
        assert.deepEqual(
          crashed.map((item) => item.deliveryCount),
          [1, 2, 3],
        );
        assert.equal(charges, 0, "the quarantined delivery did not run the activity");
        const history = await host.taskHub.getHistory(id);
        const scheduled = history.filter((e) => e.type === "TaskScheduled" && e.name === "Charge");
        assert.equal(scheduled.length, 1, "the retry policy did not retry a poison failure");
        assert.equal((await statsOf(host.taskHub)).quarantinedWorkItems, 1);
        const lines = errors(log);
        assert.equal(lines.length, 1, JSON.stringify(lines));
        assert.match(lines[0]!.message, /Activity 'Charge' \(attempt 1\) .* quarantined as poison work/);
        assert.deepEqual(
          { ...(lines[0]!.args[0] as Record<string, unknown>), errorMessage: undefined },
          {
            instanceId: id,
            executionId: (await host.taskHub.getInstance(id))?.executionId,
            name: "Order",
            activity: "Charge",
            attempt: 1,
            taskId: 0,
            workerId: "poison-worker",
            errorType: "PoisonMessageError",
            errorMessage: undefined,
            deliveryCount: 3,
            previousWorkerId: "poison-worker",
          },
        );
      } finally {
        await host.stop();
      }
    });

    it("fails an orchestration that keeps crashing its worker; its parent is told and catches it", async () => {
      const app = new DurableApp();
      let childRuns = 0;
      const child = app.orchestration("Crashing", async () => ++childRuns);
      const parent = app.orchestration("Parent", async (ctx) => {
        try {
          return await ctx.callSubOrchestrator(child, undefined, { instanceId: "crashing-child" });
        } catch (error) {
          if (!isTaskFailedError(error)) throw error;
          return error.failure;
        }
      });
      const { hub, crashed } = crashingHub(makeHub(), {
        orchestration: (item) => item.instanceId === "crashing-child" && item.deliveryCount <= 2,
      });
      const log = new RecordingSink();
      const host = await app.start({ taskHub: hub, logger: log, ...worker, maxDeliveryCount: 2 });
      try {
        const id = await host.client.startNew(parent);
        const status = await host.client.waitForCompletion(id, { timeoutMs: 30_000 });
        assert.equal(status.runtimeStatus, "Completed", JSON.stringify(status.failureDetails));
        assert.equal(crashed.length, 2);
        assert.equal(childRuns, 0, "the child's code never ran");
        const childStatus = await host.client.getStatus("crashing-child");
        assert.equal(childStatus?.runtimeStatus, "Failed");
        assertPoison(
          childStatus.failureDetails,
          /^Orchestration 'Crashing' \(instance 'crashing-child'\)/,
          2,
        );
        const history = await host.taskHub.getHistory("crashing-child");
        const completed = history.filter(
          (e): e is Extract<HistoryEvent, { type: "ExecutionCompleted" }> => e.type === "ExecutionCompleted",
        );
        assert.equal(completed.length, 1);
        assert.equal(completed[0]!.status, "Failed");
        assert.equal(completed[0]!.failure?.errorType, "PoisonMessageError");
        assert.ok(
          history.some((e) => e.type === "ExecutionStarted"),
          "the start is recorded as for any execution",
        );
        const failure = status.output as FailureDetails;
        assert.equal(failure.errorType, "PoisonMessageError", "the parent got the child's failure");
        assert.equal((await statsOf(host.taskHub)).quarantinedWorkItems, 1);
        assert.equal(errors(log).length, 1);
      } finally {
        await host.stop();
      }
    });

    it("fails a quarantined entity call for its caller, and runs the operations after it", async () => {
      const app = new DurableApp();
      let explosions = 0;
      const counter = app.entity("Counter", {
        initialState: () => 0,
        operations: {
          add: (state, n: number) => state + n,
          explode: () => {
            explosions++;
          },
          get: (state) => state,
        },
      });
      const caller = app.orchestration("Caller", async (ctx) => {
        let failure: FailureDetails | undefined;
        try {
          await ctx.callEntity(counter, "c", "explode");
        } catch (error) {
          if (!isTaskFailedError(error)) throw error;
          failure = error.failure;
        }
        return { failure, after: await ctx.callEntity(counter, "c", "add", 5) };
      });
      const { hub, crashed } = crashingHub(makeHub(), {
        orchestration: (item) =>
          item.instanceId.startsWith("@") && item.deliveryCount <= 2 && runsOperation(item, "explode"),
      });
      const host = await app.start({
        taskHub: hub,
        logger: new RecordingSink(),
        ...worker,
        maxDeliveryCount: 2,
      });
      try {
        const id = await host.client.startNew(caller);
        const status = await host.client.waitForCompletion(id, { timeoutMs: 30_000 });
        assert.equal(status.runtimeStatus, "Completed", JSON.stringify(status.failureDetails));
        const output = status.output as { failure: FailureDetails; after: number };
        assertPoison(output.failure, /^Operation 'explode' of entity '@counter@c'/, 2);
        assert.equal(output.after, 5, "the entity goes on, its state as the last step left it");
        assert.equal(explosions, 0);
        assert.equal(crashed.length, 2);
        assert.equal((await statsOf(host.taskHub)).quarantinedWorkItems, 1);
      } finally {
        await host.stop();
      }
    });

    it("narrows a crashing entity batch down to the operation that crashes, and quarantines only that one", async () => {
      const app = new DurableApp();
      const counter = app.entity("Counter", {
        initialState: () => 0,
        operations: { add: (state, n: number) => state + n, explode: (state) => state },
      });
      const taskHub = makeHub();
      await taskHub.init();
      // Queued before any worker runs: the first delivery carries all three.
      const client = app.createClient(taskHub);
      await client.signalEntity(counter, "b", "add", 1);
      await client.signalEntity(counter, "b", "explode");
      await client.signalEntity(counter, "b", "add", 2);
      const { hub, crashed } = crashingHub(taskHub, {
        orchestration: (item) => item.deliveryCount <= 2 && runsOperation(item, "explode"),
      });
      const log = new RecordingSink();
      const host = await app.start({ taskHub: hub, logger: log, ...worker, maxDeliveryCount: 2 });
      try {
        await eventually(async () => (await host.client.readEntityState(counter, "b")).entityState === 3);
        // The whole batch crashed once; then, one operation per step: `add 1` committed, `explode` crashed
        // maxDeliveryCount times in all, then was quarantined; `add 2` ran.
        assert.deepEqual(
          (crashed as OrchestrationWorkItem[]).map((item) => [item.deliveryCount, item.messages.length]),
          [
            [1, 3],
            [1, 2],
            [2, 2],
          ],
        );
        assert.equal((await statsOf(host.taskHub)).quarantinedWorkItems, 1);
        const lines = errors(log);
        assert.equal(lines.length, 1);
        assert.match(lines[0]!.message, /signalled operation of entity '@counter@b' was quarantined/);
      } finally {
        await host.stop();
      }
    });
  });
}

/**
 * Whether processing `item` runs `operation` (so that a crash in it would crash the worker): with a first delivery,
 * any of its operations may run (a batch); after a crash, steps run one operation at a time, the first.
 */
function runsOperation(item: OrchestrationWorkItem, operation: string): boolean {
  const operations = item.messages
    .map((m) => requestOfCreation(m.event) ?? m.event)
    .flatMap((e) =>
      e.type === "EntityOperationCalled" || e.type === "EntityOperationSignaled" ? [e.operation] : [],
    );
  return (item.deliveryCount === 1 ? operations : operations.slice(0, 1)).includes(operation);
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) assert.fail("timed out");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

poisonTests("memory", () => memoryTaskHub());
poisonTests("SQLite file", () => sqliteTaskHub(join(dir, `hub-${files++}.db`)));

describe("poison work settings", () => {
  it("refuses a maxDeliveryCount that is not a whole number from 1", () => {
    const app = new DurableApp();
    for (const bad of [0, -1, 1.5, Number.NaN])
      assert.throws(
        () => app.activity("A", () => 1, { maxDeliveryCount: bad }),
        (error: unknown) =>
          error instanceof InvalidArgumentError &&
          /Activity 'A': maxDeliveryCount must be a whole number/.test(error.message),
      );
    assert.throws(
      () => new Worker(memoryTaskHub(), app.registry, { maxDeliveryCount: 0 }),
      /WorkerOptions: maxDeliveryCount must be a whole number from 1, got 0/,
    );
  });
});
