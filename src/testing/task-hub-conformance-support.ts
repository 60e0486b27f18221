/**
 * Helpers of the task hub conformance suite (see `task-hub-conformance.ts`).
 * @module
 */
import assert from "node:assert/strict";
import { afterEach, beforeEach } from "node:test";
import { systemClock } from "../task-hub/clock.js";
import type {
  ExecutionStarted,
  HistoryEvent,
  ParentInstanceInfo,
  TaskCompleted,
} from "../core/history-event.js";
import type { RuntimeStatus } from "../core/runtime-status.js";
import type { TaskHubHealth } from "../task-hub/health.js";
import type { DispatchResults, LocalDispatchCapability } from "../task-hub/local-dispatch.js";
import type {
  NewActivityMessage,
  NewInstance,
  OrchestrationCompletion,
  OrchestrationWorkItem,
  TaskHub,
} from "../task-hub/task-hub.js";

/**
 * A hub the conformance suite can test: the plain contract, plus the health output the suite reads counts through
 * (queue depths, leases, workers).
 */
export type ConformanceHub = TaskHub & TaskHubHealth;

/** A hub the fast-path conformance suite can test: a {@link ConformanceHub} with the fast paths. */
export type FastPathHub = ConformanceHub & LocalDispatchCapability;

/** Options of {@link describeTaskHubConformance} (re-exported there). */
export interface TaskHubConformanceOptions {
  /**
   * Overwrites the stored event of every inbox row the instance has now with text that is not valid JSON. Enables the
   * corrupted-inbox test (skipped without it).
   */
  readonly corruptInboxMessages?: ((hub: TaskHub, instanceId: string) => Promise<void>) | undefined;
  /** Overwrites stored history event `seq` of the instance with invalid JSON. Enables the corrupted-history test. */
  readonly corruptHistoryEvent?:
    ((hub: TaskHub, instanceId: string, seq: number) => Promise<void>) | undefined;
  /** Called after each test's hub is closed (drop a schema, delete a file...). */
  readonly disposeHub?: ((hub: TaskHub) => Promise<void>) | undefined;
  /** The backend's bound on the messages one orchestration work item carries, when it has one (checked exactly). */
  readonly maxMessagesPerWorkItem?: number | undefined;
  /** Multiplies the suite's lease and visibility delays (default 1); raise it for slow backends or machines. */
  readonly timeScale?: number | undefined;
}

/** What each test of the suite gets. */
export interface ConformanceEnv<H extends ConformanceHub = ConformanceHub> {
  /** The fresh, initialized hub of the current test. */
  readonly hub: H;
  /** The factory, for tests that need a second hub object. */
  readonly makeHub: () => Promise<H>;
  readonly options: TaskHubConformanceOptions;
  /** `ms` scaled by {@link TaskHubConformanceOptions.timeScale}. */
  ms(ms: number): number;
}

/** What each test of the fast-path suite gets. */
export type FastPathEnv = ConformanceEnv<FastPathHub>;

/**
 * Registers (in the calling `describe`) a fresh hub from `makeHub` for each test: `init()` before, `close()` and
 * `disposeHub` after. Returns the tests' view of it.
 */
export function hubPerTest<H extends ConformanceHub>(
  makeHub: () => Promise<H>,
  options: TaskHubConformanceOptions,
): ConformanceEnv<H> {
  let current: H | undefined;
  const scale = options.timeScale ?? 1;
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
  return {
    get hub() {
      if (!current) throw new Error("no hub: the suite's beforeEach did not run");
      return current;
    },
    makeHub,
    options,
    ms: (ms) => Math.round(ms * scale),
  };
}

/** Sleeps. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** An ISO timestamp for events. */
export const stamp = () => new Date(systemClock.now()).toISOString();

/** An `ExecutionStarted` event. */
export function started(
  instanceId: string,
  options: {
    name?: string;
    input?: string;
    executionId?: string;
    parent?: ParentInstanceInfo;
    version?: string;
    tags?: Readonly<Record<string, string>>;
  } = {},
): ExecutionStarted {
  return {
    type: "ExecutionStarted",
    timestamp: stamp(),
    name: options.name ?? "TestOrchestrator",
    instanceId,
    executionId: options.executionId ?? `${instanceId}-exec-1`,
    ...(options.input !== undefined ? { input: options.input } : {}),
    ...(options.parent ? { parent: options.parent } : {}),
    ...(options.version !== undefined ? { version: options.version } : {}),
    ...(options.tags !== undefined ? { tags: options.tags } : {}),
  };
}

/** A {@link NewInstance}. */
export function newInstance(
  instanceId: string,
  options: Parameters<typeof started>[1] & { visibleAt?: number } = {},
): NewInstance {
  return {
    event: started(instanceId, options),
    ...(options.visibleAt !== undefined ? { visibleAt: options.visibleAt } : {}),
  };
}

/** An `EventRaised` event. */
export const raised = (name: string, input?: string): HistoryEvent => ({
  type: "EventRaised",
  timestamp: stamp(),
  name,
  ...(input !== undefined ? { input } : {}),
});

/**
 * A completion of `item` with defaults: consumes all its messages (corrupt ones included), appends nothing, keeps
 * the instance's execution, name and input, status Running.
 */
export function completionOf(
  item: OrchestrationWorkItem,
  changes: Partial<Omit<OrchestrationCompletion, "instance">> & {
    status?: RuntimeStatus;
    instance?: Partial<OrchestrationCompletion["instance"]>;
  } = {},
): OrchestrationCompletion {
  const { status, instance, ...rest } = changes;
  return {
    workItem: item,
    consumedMessageIds: [...item.messages.map((m) => m.id), ...item.corruptMessages.map((m) => m.id)],
    replaceHistory: false,
    newHistory: [],
    activities: [],
    messages: [],
    newInstances: [],
    ...rest,
    instance: {
      status: status ?? "Running",
      executionId: item.instance.executionId,
      name: item.instance.name,
      input: item.instance.input,
      ...instance,
    },
  };
}

/** Leases every ready instance (max 100) and returns the work items by instance ID. */
export async function lockAll(hub: TaskHub, workerId = "worker-1", leaseMs = 30_000) {
  const items = await hub.lockOrchestrationWorkItems({ workerId, max: 100, leaseMs });
  const byId = new Map<string, OrchestrationWorkItem>();
  for (const item of items) {
    assert.ok(!byId.has(item.instanceId), `instance ${item.instanceId} returned twice by one lock call`);
    byId.set(item.instanceId, item);
  }
  return byId;
}

/** Leases the ready instance `instanceId`, failing when it is not ready (other ready instances get leased too). */
export async function lockInstance(hub: TaskHub, instanceId: string, leaseMs = 30_000) {
  const item = (await lockAll(hub, "worker-1", leaseMs)).get(instanceId);
  assert.ok(item, `expected instance ${instanceId} to be ready`);
  return item;
}

/** Polls `probe` until it returns a value other than `undefined` (or fails after `timeoutMs`). */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = systemClock.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (systemClock.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/**
 * Creates `instanceId` (only ready instance expected) and runs one step bringing it to `status`, with `history`.
 * Returns the instance's execution ID.
 */
export async function createWithStatus(
  hub: TaskHub,
  instanceId: string,
  status: RuntimeStatus,
  options: Parameters<typeof newInstance>[1] & { history?: HistoryEvent[] } = {},
): Promise<string> {
  const request = newInstance(instanceId, options);
  await hub.createInstance(request);
  const item = await lockInstance(hub, instanceId);
  const finished = status === "Completed" || status === "Failed" || status === "Terminated";
  const outcomes = await hub.completeOrchestrationWorkItems([
    completionOf(item, {
      status,
      newHistory: options.history ?? [request.event],
      instance: {
        ...(status === "Completed" ? { output: '"done"' } : {}),
        ...(status === "Failed" || status === "Terminated"
          ? { failure: { errorType: status === "Failed" ? "Error" : "Terminated", message: "stopped" } }
          : {}),
        ...(finished ? { completedAt: systemClock.now() } : {}),
      },
    }),
  ]);
  assert.deepEqual(outcomes, [undefined]);
  return request.event.executionId;
}

/** Asserts that `promise` rejects with an error whose `name` is `name`. */
export async function rejectsWith(promise: Promise<unknown>, name: string, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.equal((error as Error).name, name, `expected ${name}, got ${String(error)}`);
    if (message) assert.match((error as Error).message, message);
    return true;
  });
}

/** Asserts an outcome list: `"ok"` for success, `"lost"` for a WorkItemLockLostError. */
export function assertOutcomes(
  results: readonly unknown[] | DispatchResults,
  expected: readonly ("ok" | "lost")[],
): void {
  const outcomes: readonly unknown[] = "outcomes" in results ? results.outcomes : results;
  assert.deepEqual(
    outcomes.map((o) =>
      o === undefined
        ? "ok"
        : (o as Error).name === "WorkItemLockLostError"
          ? "lost"
          : `unexpected: ${String(o)}`,
    ),
    expected,
  );
}

/** Asserts `lockExpiresAt` is `leaseMs` after some moment in [before, after]. */
export function assertLease(lockExpiresAt: number, before: number, after: number, leaseMs: number): void {
  assert.ok(
    lockExpiresAt >= before + leaseMs && lockExpiresAt <= after + leaseMs,
    `lockExpiresAt ${lockExpiresAt} is not within [${before + leaseMs}, ${after + leaseMs}]`,
  );
}

/** An activity of `instanceId` with task ID `taskId`. */
export function activity(
  instanceId: string,
  executionId: string,
  taskId: number,
  visibleAt?: number,
): NewActivityMessage {
  return {
    instanceId,
    executionId,
    taskId,
    name: `Activity${taskId}`,
    input: JSON.stringify({ instanceId, taskId }),
    attempt: taskId + 1,
    idempotencyKey: `${instanceId}:${taskId}`,
    ...(visibleAt !== undefined ? { visibleAt } : {}),
  };
}

export const completed = (taskScheduledId: number, result = '"ok"'): TaskCompleted => ({
  type: "TaskCompleted",
  timestamp: stamp(),
  taskScheduledId,
  result,
});

/**
 * Creates `instanceId` (only ready instance expected) and runs its first step, which schedules activities
 * `0..count-1` (no dispatch). Returns the execution ID.
 */
export async function scheduleActivities(hub: TaskHub, instanceId: string, count: number): Promise<string> {
  await hub.createInstance(newInstance(instanceId));
  const item = await lockInstance(hub, instanceId);
  const executionId = item.instance.executionId;
  const activities = Array.from({ length: count }, (_, taskId) => activity(instanceId, executionId, taskId));
  assertOutcomes(
    await hub.completeOrchestrationWorkItems([
      completionOf(item, { newHistory: [item.messages[0]!.event], activities }),
    ]),
    ["ok"],
  );
  return executionId;
}

/** The work items `results` dispatched, asserting they are present. */
export function dispatchedOf(results: DispatchResults) {
  assert.ok(results.dispatched, "a dispatch request was given: `dispatched` is present");
  return results.dispatched;
}
