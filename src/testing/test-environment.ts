/**
 * {@link createTestEnvironment}: an app's real worker, client and entities on the in-memory hub, on virtual time that
 * skips ahead, with activities mocked at will and the history guardrails checked on close. A workflow with a 30-day
 * approval timeout completes in milliseconds. The user guide is `docs/testing.md`.
 *
 * **When time skips.** Only while a client of the environment waits for an instance to finish
 * (`env.client.waitForCompletion`), as Temporal's test server skips time while the test is blocked on a workflow's
 * result: whenever nothing is busy (no message due now, no episode or activity running), the clock jumps to the next
 * due time (a durable timer, a delayed start or signal, a retry), until the instance finishes. Otherwise time stands
 * still, so a test can start an instance, raise events and read state at leisure without a timer firing in between;
 * `env.skipTime(ms)` moves it explicitly, `env.waitForIdle()` lets due work run without moving it.
 * @module
 */
import type { DurableApp } from "../app/durable-app.js";
import { DurableClient, type WaitOptions } from "../client/durable-client.js";
import type { OrchestrationStatus } from "../client/orchestration-status.js";
import { checkOptions } from "../core/options.js";
import { isTerminalStatus } from "../core/runtime-status.js";
import type { HistoryEvent } from "../core/history-event.js";
import { MemoryTaskHub } from "../memory/memory-task-hub.js";
import type { SessionOptions } from "../orchestration/orchestration-session.js";
import { replayOptions } from "../orchestration/replay-check.js";
import { startSchedules } from "../schedules/start-schedules.js";
import type { AppRegistry } from "../app/app-registry.js";
import type { LogSink } from "../core/logger.js";
import { Worker, type WorkerOptions } from "../worker/worker.js";
import { checkFinalHistory, DeterminismCheckError, type DeterminismProblem } from "./final-history-check.js";
import { ManualClock, MANUAL_CLOCK_START } from "./manual-clock.js";
import { mockedRegistry, type ActivityMock } from "./mocked-registry.js";
import { observeHub } from "./observed-hub.js";
import { TimeSkipping } from "./time-skipping.js";

/** Options of {@link createTestEnvironment}: the worker's options (but its clock), and these. */
export interface TestEnvironmentOptions extends Omit<WorkerOptions, "clock"> {
  /**
   * Where the worker and `ctx.log` write. Default: errors only, on the console (tests fail activities on purpose, and
   * their warnings would drown the output); give `logger: console` to see every line.
   */
  readonly logger?: LogSink;
  /**
   * Activities to run instead of the app's, by name (any casing): `{ ChargeCreditCard: async (order) => "tx-1" }`.
   * The app is not changed. A name the app has no activity for is an error.
   */
  readonly activities?: Readonly<Record<string, ActivityMock>> | undefined;
  /** Where virtual time starts, a Date or epoch ms (default `MANUAL_CLOCK_START`, 2024-01-01T00:00:00Z). */
  readonly startTime?: Date | number | undefined;
  /**
   * The history guardrails (default true): `close()` replays every orchestration's final history once and throws a
   * `DeterminismCheckError` when one awaited a non-durable promise or does not replay.
   */
  readonly checkDeterminism?: boolean | undefined;
}

const OPTION_SPEC = {
  activities: "object",
  startTime: "object",
  checkDeterminism: "boolean",
  workerId: "string",
  maxConcurrentOrchestrations: "integer",
  maxConcurrentActivities: "integer",
  leaseMs: "number",
  maxPollIntervalMs: "number",
  maxCachedOrchestrations: "number",
  maxCachedHistoryEvents: "number",
  maxEntityOperationBatchSize: "integer",
  shutdownTimeoutMs: "number",
  heartbeatIntervalMs: "number",
  logger: "object",
  activityHoldMs: "number",
  maxOrchestrationActions: "integer",
  maxHistoryEvents: "integer",
  maxPayloadBytes: "integer",
} as const;

/**
 * The default logger: errors only, on the console. Tests fail activities on purpose (retries, compensation): their
 * warnings would drown the test output. Give `logger: console` to see every line, `ctx.log` included.
 */
const ERRORS_ONLY: LogSink = {
  debug() {},
  info() {},
  warn() {},
  error: (message: string, ...args: unknown[]) => console.error(message, ...args),
};

/**
 * Starts an app's worker and client on a fresh in-memory hub with a virtual clock. Close it when done
 * (`await env.close()`, or `await using env = await createTestEnvironment(app)`): that stops the worker and runs the
 * history guardrails.
 * @example
 * const env = await createTestEnvironment(app, { activities: { ChargeCreditCard: async () => "tx-1" } });
 * try {
 *   const id = await env.client.startNew(processOrder, { input: order });
 *   const status = await env.client.waitForCompletion(id); // timers on the way fire at once
 *   assert.equal(status.runtimeStatus, "Completed");
 * } finally {
 *   await env.close();
 * }
 * @throws UnknownFunctionError for a mock of an activity the app does not have; InvalidArgumentError for an unknown
 *   option, an option of the wrong type or an invalid `startTime`.
 */
export async function createTestEnvironment(
  app: DurableApp,
  options: TestEnvironmentOptions = {},
): Promise<TestEnvironment> {
  const env = new TestEnvironment(app, options);
  await env.start();
  return env;
}

/**
 * A running test environment (see {@link createTestEnvironment}). Its clock is virtual: {@link now} is the time
 * orchestrations see (`ctx.currentUtcDateTime`) and timers are due by.
 */
export class TestEnvironment implements AsyncDisposable {
  /**
   * The app's client on the environment's hub: start instances, raise events, query status, read entity state.
   * `waitForCompletion` skips time while it waits (see the module); its `timeoutMs` is real time.
   */
  readonly client: DurableClient;
  readonly #hub: MemoryTaskHub;
  readonly #observed: MemoryTaskHub;
  readonly #clock: ManualClock;
  readonly #time: TimeSkipping;
  readonly #worker: Worker;
  readonly #registry: AppRegistry;
  readonly #logger: LogSink;
  readonly #checkDeterminism: boolean;
  readonly #sessionOptions: SessionOptions;
  /** Whether each instance seen (created or committed) has finished. */
  readonly #finishedIds = new Map<string, boolean>();
  /** Final histories of executions that finished, by instance and execution ID (taken when they finished). */
  readonly #finalHistories = new Map<string, { instanceId: string; history: HistoryEvent[] }>();
  readonly #unsubscribe: () => void;
  #closing: Promise<void> | undefined;

  /** @internal Use {@link createTestEnvironment}. */
  constructor(app: DurableApp, options: TestEnvironmentOptions) {
    // startTime (a Date or epoch ms) is checked by the clock.
    checkOptions("createTestEnvironment", { ...options, startTime: undefined }, OPTION_SPEC);
    const { activities, checkDeterminism, startTime, ...workerOptions } = options;
    const registry = (this.#registry = mockedRegistry(app, activities));
    const clock = (this.#clock = new ManualClock(startTime ?? MANUAL_CLOCK_START));
    const hub = (this.#hub = new MemoryTaskHub({ clock, description: "memory (test environment)" }));
    this.#checkDeterminism = checkDeterminism ?? true;
    this.#logger = workerOptions.logger ?? ERRORS_ONLY;
    this.#sessionOptions = replayOptions(registry, workerOptions);
    const observed = observeHub(hub, () => this.#time.changed());
    this.#observed = observed.hub;
    this.#time = new TimeSkipping({ workState: () => hub.workState(), clock, wake: observed.wake });
    this.#unsubscribe = hub.subscribe((notice) => {
      if (notice.kind !== "instance-updated") return;
      const finished = isTerminalStatus(notice.status);
      this.#finishedIds.set(notice.instanceId, finished);
      if (finished && !isEntity(notice.instanceId)) this.#keepFinalHistory(notice.instanceId);
    });
    this.#worker = new Worker(this.#observed, registry, { ...workerOptions, logger: this.#logger });
    const holdFor = (instanceId: string): (() => void) =>
      this.#time.hold(() => this.#finishedIds.get(instanceId) !== true);
    this.client = new TestEnvironmentClient(
      this.#observed,
      registry,
      { localWorker: this.#worker, clock, maxPayloadBytes: workerOptions.maxPayloadBytes },
      holdFor,
    );
  }

  /** @internal Starts the worker and the app's schedules; `createTestEnvironment` calls it. */
  async start(): Promise<void> {
    await this.#observed.init();
    this.#worker.start();
    try {
      await startSchedules(this.#registry, this.client, this.#logger);
    } catch (error) {
      await (this.#closing ??= this.#close(false)).catch(() => undefined);
      throw error;
    }
  }

  /** The current virtual time, in epoch milliseconds. */
  now(): number {
    return this.#clock.now();
  }

  /**
   * Moves virtual time forward by `ms`, through every due time on the way in order (each timer fires at its own
   * time, and what it starts runs before time moves on), and resolves once the work due by then has run. A running
   * activity holds time until it ends.
   * @throws InvalidArgumentError for a negative or non-finite `ms`.
   */
  skipTime(ms: number): Promise<void> {
    return this.#time.skip(ms);
  }

  /**
   * Resolves once nothing can run at the current virtual time: every message due now is processed (events raised,
   * entity operations signalled), no episode nor activity runs. Time does not move.
   */
  waitForIdle(): Promise<void> {
    return this.#time.untilIdle();
  }

  /**
   * Stops the worker, then (unless `checkDeterminism: false`) replays the final history of every orchestration the
   * environment ran, finished or not, once from the start. Idempotent.
   * @throws DeterminismCheckError when an orchestration awaited a non-durable promise, or its history diverges on
   *   replay (the error names each instance and the diverging call).
   */
  close(): Promise<void> {
    return (this.#closing ??= this.#close(this.#checkDeterminism));
  }

  /** `await using env = await createTestEnvironment(app)` closes it at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #close(check: boolean): Promise<void> {
    try {
      await this.#worker.stop();
    } finally {
      this.#time.close();
      this.#unsubscribe();
    }
    const problems = check ? await this.#replayFinalHistories() : [];
    await this.#hub.close();
    if (problems.length > 0) throw new DeterminismCheckError(problems);
  }

  /** Takes a copy of the history of an instance that just finished (it may be purged or replaced later). */
  #keepFinalHistory(instanceId: string): void {
    void this.#hub.getHistory(instanceId).then((history) => {
      const key = executionKey(instanceId, history);
      if (key) this.#finalHistories.set(key, { instanceId, history });
    });
  }

  async #replayFinalHistories(): Promise<DeterminismProblem[]> {
    const histories = new Map(this.#finalHistories);
    for (const instanceId of this.#finishedIds.keys()) {
      if (isEntity(instanceId)) continue;
      const history = await this.#hub.getHistory(instanceId);
      const key = executionKey(instanceId, history);
      if (key) histories.set(key, { instanceId, history });
    }
    const problems: DeterminismProblem[] = [];
    for (const { instanceId, history } of histories.values()) {
      const problem = await checkFinalHistory(this.#sessionOptions, instanceId, history);
      if (problem) problems.push(problem);
    }
    return problems;
  }
}

/** The environment's client: waiting for an instance lets time skip until it finishes. */
class TestEnvironmentClient extends DurableClient {
  readonly #holdFor: (instanceId: string) => () => void;

  constructor(
    hub: ConstructorParameters<typeof DurableClient>[0],
    registry: ConstructorParameters<typeof DurableClient>[1],
    options: ConstructorParameters<typeof DurableClient>[2],
    holdFor: (instanceId: string) => () => void,
  ) {
    super(hub, registry, options);
    this.#holdFor = holdFor;
  }

  /** Waits as the plain client does, skipping virtual time meanwhile (see the module). */
  override async waitForCompletion(instanceId: string, options?: WaitOptions): Promise<OrchestrationStatus> {
    const release = this.#holdFor(instanceId);
    try {
      return await super.waitForCompletion(instanceId, options);
    } finally {
      release();
    }
  }
}

function executionKey(instanceId: string, history: readonly HistoryEvent[]): string | undefined {
  const started = history.find((e) => e.type === "ExecutionStarted");
  return started && `${instanceId}\n${started.executionId}`;
}

/** Entities (IDs `@name@key`) have no orchestration history to replay. */
function isEntity(instanceId: string): boolean {
  return instanceId.startsWith("@");
}
