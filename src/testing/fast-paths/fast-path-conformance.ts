/**
 * The fast-path conformance suite: the behaviours of the optional `LocalDispatchCapability` (local dispatch,
 * eager start, first steps committed with the creation, held instances, batches with a lost lease on the fast paths),
 * for backends that implement it. Such a backend runs the core suite (`describeTaskHubConformance`) too.
 *
 * ```ts
 * import { describeFastPathConformance, describeTaskHubConformance } from "taskhub/testing";
 * describeTaskHubConformance("my backend", async () => myTaskHub());
 * describeFastPathConformance("my backend", async () => myTaskHub());
 * ```
 * @module
 */
import { describe } from "node:test";
import {
  hubPerTest,
  type FastPathHub,
  type TaskHubConformanceOptions,
} from "../task-hub-conformance-support.js";
import { dispatchTests } from "./fast-path-conformance-dispatch.js";
import { heldTests } from "./fast-path-conformance-held.js";
import { lostLeaseTests } from "./fast-path-conformance-lost-leases.js";
import { startTests } from "./fast-path-conformance-starts.js";

/**
 * Registers the fast-path conformance suite under `describe(label)`.
 * @param makeHub Returns a new, empty hub with the fast paths for each test.
 */
export function describeFastPathConformance(
  label: string,
  makeHub: () => Promise<FastPathHub>,
  options: TaskHubConformanceOptions = {},
): void {
  describe(`TaskHub fast-path conformance: ${label}`, () => {
    const env = hubPerTest(makeHub, options);
    describe("local dispatch", () => dispatchTests(env));
    describe("batches with a lost lease", () => lostLeaseTests(env));
    describe("starting instances", () => startTests(env));
    describe("held instances", () => heldTests(env));
  });
}
