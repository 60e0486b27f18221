/**
 * Testing helpers: a fluent builder for history fixtures (unit-test orchestrators without storage) and the task hub
 * conformance suite every backend must pass.
 * @module
 */
export * from "./history-builder.js";
export { describeTaskHubConformance } from "./task-hub-conformance.js";
