/**
 * Testing helpers: the time-skipping test environment (`createTestEnvironment`: an app's worker, client and entities
 * on the in-memory hub with virtual time, mocked activities and history guardrails; guide in docs/testing.md), a
 * fluent builder for history fixtures (unit-test orchestrators without storage), a manual clock (run a task hub, its
 * workers and clients on virtual time), the task hub conformance suite every backend must pass, the in-memory
 * reference hub (`memoryTaskHub`), and `replayHistories`: replaying history files (`taskhub history export`) against
 * the app's current code.
 * @module
 */
export * from "./history-builder.js";
export { createTestEnvironment, TestEnvironment, type TestEnvironmentOptions } from "./test-environment.js";
export type { ActivityMock } from "./mocked-registry.js";
export { DeterminismCheckError, type DeterminismProblem } from "./final-history-check.js";
export { ManualClock, MANUAL_CLOCK_START } from "./manual-clock.js";
export { describeTaskHubConformance } from "./task-hub-conformance.js";
export type { ConformanceHub, FastPathHub, TaskHubConformanceOptions } from "./task-hub-conformance.js";
export { describeFastPathConformance } from "./fast-paths/fast-path-conformance.js";
export {
  memoryTaskHub,
  MemoryTaskHub,
  type MemoryTaskHubOptions,
  type MemoryWorkState,
} from "../memory/memory-task-hub.js";
export {
  replayHistories,
  ReplayDivergenceError,
  type HistoryInput,
  type ReplayHistoriesOptions,
  type ReplayHistoriesReport,
  type SourcedReplayResult,
} from "./replay-histories.js";
export type {
  DivergedResult,
  ReplayedResult,
  ReplayResult,
  ReplaySkipReason,
  ReplaySummary,
  SkippedResult,
} from "../orchestration/replay-check.js";
export {
  HISTORY_FILE_FORMAT,
  parseHistoryFile,
  type HistoryFile,
  type HistoryFileInstance,
} from "../core/history-file.js";
