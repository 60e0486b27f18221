/**
 * The task hub conformance suite: every behaviour of the plain `TaskHub` contract as `node:test` tests, exported
 * so that any backend can prove itself. The fast paths have their own suite, for backends that implement them
 * (`describeFastPathConformance`, `fast-paths/fast-path-conformance.ts`).
 *
 * ```ts
 * import { describeTaskHubConformance } from "taskhub/testing";
 * describeTaskHubConformance("my backend", async () => myTaskHub(), { disposeHub: async (hub) => drop(hub) });
 * ```
 *
 * Each test gets a fresh hub from `makeHub` (the suite calls `init()` on it, so the factory may or may not have) and
 * closes it afterwards. The hub must implement `TaskHubHealth` too: the suite reads queue depths and leases
 * through `getStats`. Tests use real time with short leases and delays (50–400 ms, scaled by `timeScale`): the hubs
 * must read the system clock.
 * @module
 */
import { describe } from "node:test";
import { activityTests } from "./task-hub-conformance-activities.js";
import { activityLimitTests } from "./task-hub-conformance-activity-limits.js";
import { createTests } from "./task-hub-conformance-creates.js";
import { deliveryTests } from "./task-hub-conformance-deliveries.js";
import { instanceTests } from "./task-hub-conformance-instances.js";
import { leaseTests } from "./task-hub-conformance-leases.js";
import { orchestrationTests } from "./task-hub-conformance-orchestrations.js";
import { queryTests } from "./task-hub-conformance-queries.js";
import {
  hubPerTest,
  type ConformanceHub,
  type TaskHubConformanceOptions,
} from "./task-hub-conformance-support.js";

export type {
  ConformanceHub,
  FastPathHub,
  TaskHubConformanceOptions,
} from "./task-hub-conformance-support.js";

/**
 * Registers the core conformance suite under `describe(label)`: what every backend must pass.
 * @param makeHub Returns a new, empty hub for each test.
 */
export function describeTaskHubConformance(
  label: string,
  makeHub: () => Promise<ConformanceHub>,
  options: TaskHubConformanceOptions = {},
): void {
  describe(`TaskHub conformance: ${label}`, () => {
    const env = hubPerTest(makeHub, options);
    describe("instances", () => instanceTests(env));
    describe("creating instances whose ID is in use", () => createTests(env));
    describe("orchestration work items", () => orchestrationTests(env));
    describe("orchestration leases", () => leaseTests(env));
    describe("activity work items", () => activityTests(env));
    describe("activity limits and heartbeat details", () => activityLimitTests(env));
    describe("delivery counts", () => deliveryTests(env));
    describe("queries, purge, stats and notices", () => queryTests(env));
  });
}
