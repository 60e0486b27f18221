/**
 * The task hub conformance suite: every behaviour of the {@link TaskHub} contract as `node:test` tests, exported so
 * that any backend can prove itself.
 *
 * ```ts
 * import { describeTaskHubConformance } from "taskhub/testing";
 * describeTaskHubConformance("my backend", async () => myTaskHub(), { disposeHub: async (hub) => drop(hub) });
 * ```
 *
 * Each test gets a fresh hub from `makeHub` (the suite calls `init()` on it, so the factory may or may not have) and
 * closes it afterwards. Tests use real time with short leases and delays (50–400 ms, scaled by `timeScale`): the hubs
 * must read the system clock.
 * @module
 */
import { afterEach, beforeEach, describe } from "node:test";
import { systemClock } from "../task-hub/clock.js";
import type { TaskHub } from "../task-hub/task-hub.js";
import { activityTests } from "./task-hub-conformance-activities.js";
import { dispatchTests } from "./task-hub-conformance-dispatch.js";
import { startTests } from "./task-hub-conformance-starts.js";
import { heldTests } from "./task-hub-conformance-held.js";
import { lostLeaseTests } from "./task-hub-conformance-lost-leases.js";
import { instanceTests } from "./task-hub-conformance-instances.js";
import { leaseTests } from "./task-hub-conformance-leases.js";
import { orchestrationTests } from "./task-hub-conformance-orchestrations.js";
import { queryTests } from "./task-hub-conformance-queries.js";
import type { ConformanceEnv, TaskHubConformanceOptions } from "./task-hub-conformance-support.js";

export type { TaskHubConformanceOptions } from "./task-hub-conformance-support.js";

/**
 * Registers the conformance suite under `describe(label)`.
 * @param makeHub Returns a new, empty hub for each test.
 */
export function describeTaskHubConformance(
  label: string,
  makeHub: () => Promise<TaskHub>,
  options: TaskHubConformanceOptions = {},
): void {
  describe(`TaskHub conformance: ${label}`, () => {
    let current: TaskHub | undefined;
    const scale = options.timeScale ?? 1;
    const env: ConformanceEnv = {
      get hub() {
        if (!current) throw new Error("no hub: the suite's beforeEach did not run");
        return current;
      },
      makeHub,
      options,
      ms: (ms) => Math.round(ms * scale),
    };

    beforeEach(async () => {
      const hub = await makeHub();
      current = hub;
      if (hub.clock !== undefined && hub.clock !== systemClock)
        throw new Error("The conformance suite runs on real time: the hub must read the system clock.");
      await hub.init();
    });

    afterEach(async () => {
      const hub = current;
      current = undefined;
      if (!hub) return;
      await hub.close();
      await options.disposeHub?.(hub);
    });

    describe("instances", () => instanceTests(env));
    describe("orchestration work items", () => orchestrationTests(env));
    describe("orchestration leases", () => leaseTests(env));
    describe("activity work items", () => activityTests(env));
    describe("local dispatch", () => dispatchTests(env));
    describe("batches with a lost lease", () => lostLeaseTests(env));
    describe("starting instances", () => startTests(env));
    describe("held instances", () => heldTests(env));
    describe("queries, purge, stats and notices", () => queryTests(env));
  });
}
