/**
 * Testing helpers: a fluent builder for history fixtures (unit-test orchestrators without storage), a manual clock
 * (run a task hub, its workers and clients on virtual time) and the task hub conformance suite every backend must
 * pass, and the in-memory reference hub (`memoryTaskHub`).
 * @module
 */
export * from "./history-builder.js";
export { ManualClock, MANUAL_CLOCK_START } from "./manual-clock.js";
export { describeTaskHubConformance } from "./task-hub-conformance.js";
export type { ConformanceHub, FastPathHub, TaskHubConformanceOptions } from "./task-hub-conformance.js";
export { describeFastPathConformance } from "./fast-paths/fast-path-conformance.js";
export { memoryTaskHub, MemoryTaskHub, type MemoryTaskHubOptions } from "../memory/memory-task-hub.js";
