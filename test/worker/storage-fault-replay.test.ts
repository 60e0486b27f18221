/**
 * A storage fault while a worker reads an instance's history to replay it (a connection cut, the server restarting)
 * is the storage's fault, not the orchestration's: the step is abandoned and retried, and the instance completes.
 * Found by the PostgreSQL outage test, where a `ChaosCount` instance whose history read met a terminated connection
 * ended `Failed` with `TaskHubUnavailableError`. Here the fault is injected deterministically at the hub's edge
 * (`getHistory` of a real SQLite file or memory hub refuses its first reads), with the session cache off so that
 * every step replays from the stored history.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import {
  DurableApp,
  memoryTaskHub,
  sqliteTaskHub,
  TaskHubUnavailableError,
  type TaskHub,
} from "../../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "taskhub-fault-replay-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** `hub` whose first `failures` history reads throw the storage fault a cut connection gives. */
function faultyHistoryReads(hub: TaskHub, failures: number): { hub: TaskHub; faults: () => number } {
  let faults = 0;
  const proxy = new Proxy(hub, {
    get(target, prop, receiver) {
      if (prop === "getHistory")
        return (instanceId: string) => {
          if (faults < failures) {
            faults++;
            return Promise.reject(
              new TaskHubUnavailableError("unreachable", "Connection terminated unexpectedly", {
                driverCode: "57P01",
              }),
            );
          }
          return target.getHistory(instanceId);
        };
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { hub: proxy, faults: () => faults };
}

for (const [label, makeHub] of [
  ["memory", () => memoryTaskHub()],
  ["SQLite file", () => sqliteTaskHub(join(dir, `hub-${Math.random().toString(36).slice(2)}.db`))],
] as const) {
  describe(`a storage fault during replay (${label})`, () => {
    it("retries the step instead of failing the instance", { timeout: 60_000 }, async () => {
      const app = new DurableApp();
      const add = app.activity("Add", (n: number) => n + 1);
      const steps = app.orchestration("Steps", async (ctx, start: number) => {
        let value = start;
        for (let i = 0; i < 3; i++) value = await ctx.callActivity(add, value);
        return value;
      });
      const { hub, faults } = faultyHistoryReads(makeHub(), 2);
      const host = await app.start({
        taskHub: hub,
        maxCachedOrchestrations: 0,
        maxPollIntervalMs: 50,
        logger: { debug() {}, info() {}, warn() {}, error() {} },
      });
      try {
        const id = await host.client.startNew(steps, { input: 10 });
        const status = await host.client.waitForCompletion(id, { timeoutMs: 30_000 });
        assert.equal(status.runtimeStatus, "Completed", JSON.stringify(status.failureDetails));
        assert.equal(status.output, 13);
        assert.equal(faults(), 2, "the injected faults were met by the worker's replays");
      } finally {
        await host.stop();
      }
    });
  });
}
