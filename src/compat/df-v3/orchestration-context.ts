/**
 * `context.df` of a Durable Functions v3 orchestrator, on top of a Taskhub orchestration context, and the adapter
 * that runs a DF v3 generator orchestrator as a Taskhub generator orchestrator.
 * @module
 */
import { EntityId } from "../../core/entity-id.js";
import { InvalidArgumentError, OrchestratorMisuseError } from "../../core/errors.js";
import type { GeneratorOrchestratorHandler } from "../../api/definitions.js";
import type { OrchestrationContext as TaskhubContext } from "../../api/orchestration-context.js";
import { NotSupportedError } from "./not-supported.js";
import { RetryOptions } from "./retry-options.js";
import { AnyTask, Task, TimerTask } from "./tasks.js";

/** `context.df.Task`: fan-in helpers. */
export interface TaskSet {
  /** A task that completes with every task's result, in order (fails with the first failure). */
  all(tasks: readonly Task[]): Task;
  /** A task that completes with the first task to finish: yielding it gives that task. */
  any(tasks: readonly Task[]): Task;
}

/** `context.df` of a DF v3 orchestrator: the durable API. */
export class DurableOrchestrationContext {
  /** Fan-in helpers: `yield context.df.Task.all([...])`, `yield context.df.Task.any([...])`. */
  readonly Task: TaskSet;

  /** @internal */
  constructor(
    private readonly ctx: TaskhubContext,
    private readonly input: unknown,
  ) {
    const check = (tasks: readonly Task[], what: string): readonly Task[] => {
      if (!Array.isArray(tasks))
        throw new InvalidArgumentError(`context.df.Task.${what} needs an array of tasks.`);
      for (const t of tasks) {
        if (!(t instanceof Task))
          throw new InvalidArgumentError(
            `context.df.Task.${what}: every element must be a task of context.df (callActivity, createTimer, ...).`,
          );
        if (t instanceof AnyTask)
          throw new NotSupportedError(
            `A Task.any inside context.df.Task.${what}`,
            "Yield the Task.any on its own, then combine its result.",
          );
      }
      return tasks;
    };
    this.Task = {
      all: (tasks) => new Task(ctx.whenAll(check(tasks, "all").map((t) => t.inner))),
      any: (tasks) => {
        if (check(tasks, "any").length === 0)
          throw new InvalidArgumentError("context.df.Task.any needs at least one task.");
        return new AnyTask(ctx, tasks);
      },
    };
  }

  /** This instance's ID. */
  get instanceId(): string {
    return this.ctx.instanceId;
  }

  /** The parent's instance ID, for a sub-orchestration. */
  get parentInstanceId(): string | undefined {
    return this.ctx.parent?.instanceId;
  }

  /** True while old history is being replayed. */
  get isReplaying(): boolean {
    return this.ctx.isReplaying;
  }

  /** The time of the current episode, the same on replay. */
  get currentUtcDateTime(): Date {
    return this.ctx.currentUtcDateTime;
  }

  /** The orchestration's input. */
  getInput<T = unknown>(): T {
    return this.input as T;
  }

  /** Runs an activity by name. */
  callActivity(name: string, input?: unknown): Task {
    return new Task(this.ctx.callActivity(checkName(name, "callActivity"), input));
  }

  /** Runs an activity by name, retried by `retryOptions`. */
  callActivityWithRetry(name: string, retryOptions: RetryOptions, input?: unknown): Task {
    return new Task(
      this.ctx.callActivity(checkName(name, "callActivityWithRetry"), input, {
        retry: checkRetry(retryOptions, "callActivityWithRetry"),
      }),
    );
  }

  /** Runs a sub-orchestration by name, optionally with its instance ID. */
  callSubOrchestrator(name: string, input?: unknown, instanceId?: string): Task {
    return new Task(
      this.ctx.callSubOrchestrator(checkName(name, "callSubOrchestrator"), input, { instanceId }),
    );
  }

  /** Runs a sub-orchestration by name, retried by `retryOptions`. */
  callSubOrchestratorWithRetry(
    name: string,
    retryOptions: RetryOptions,
    input?: unknown,
    instanceId?: string,
  ): Task {
    return new Task(
      this.ctx.callSubOrchestrator(checkName(name, "callSubOrchestratorWithRetry"), input, {
        instanceId,
        retry: checkRetry(retryOptions, "callSubOrchestratorWithRetry"),
      }),
    );
  }

  /** A durable timer due at `fireAt`. */
  createTimer(fireAt: Date): TimerTask {
    if (!(fireAt instanceof Date) || Number.isNaN(fireAt.getTime()))
      throw new InvalidArgumentError("context.df.createTimer needs a valid Date.");
    return new TimerTask(this.ctx.createTimer(fireAt));
  }

  /** Waits for an external event raised on this instance. */
  waitForExternalEvent(name: string): Task {
    return new Task(this.ctx.waitForExternalEvent(checkName(name, "waitForExternalEvent")));
  }

  /** Calls an entity operation and waits for its result. */
  callEntity(entityId: EntityId, operationName: string, operationInput?: unknown): Task {
    const id = checkEntityId(entityId, "callEntity");
    return new Task(this.ctx.callEntity(id.name, id.key, operationName, operationInput));
  }

  /** Signals an entity operation (one way). */
  signalEntity(entityId: EntityId, operationName: string, operationInput?: unknown): void {
    const id = checkEntityId(entityId, "signalEntity");
    this.ctx.signalEntity(id.name, id.key, operationName, operationInput);
  }

  /** Sets the custom status shown by `getStatus`. */
  setCustomStatus(customStatusObject: unknown): void {
    this.ctx.setCustomStatus(customStatusObject);
  }

  /** Restarts the orchestration with `input` and an empty history. */
  continueAsNew(input: unknown): void {
    this.ctx.continueAsNew(input);
  }

  /** A deterministic UUID, the same on every replay (the argument of DF's signature is not needed). */
  newGuid(_instanceId?: string): string {
    return this.ctx.newGuid();
  }

  /**
   * A durable HTTP request (Taskhub's `ctx.callHttp`): `{ method, url, headers, body, asynchronousPatternEnabled }`
   * (`enablePolling`, DF's older name, too); the task's result is `{ statusCode, headers, content }`.
   * @throws NotSupportedError for `tokenSource` (managed identities).
   */
  callHttp(options: CallHttpOptions): Task {
    if (options?.tokenSource !== undefined)
      throw new NotSupportedError(
        "context.df.callHttp with a tokenSource",
        "Fetch the token in an activity and pass it as a header.",
      );
    const polling = options.asynchronousPatternEnabled ?? options.enablePolling;
    return new Task(
      this.ctx.callHttp({
        method: options.method,
        url: options.url,
        ...(options.headers !== undefined ? { headers: options.headers } : {}),
        ...(options.body !== undefined ? { body: options.body } : {}),
        ...(polling !== undefined ? { asynchronousPatternEnabled: polling } : {}),
      }),
    );
  }

  /** Not supported: throws {@link NotSupportedError}. */
  lock(): never {
    throw new NotSupportedError(
      "context.df.lock",
      "Use Taskhub's ctx.lockEntities in a Taskhub orchestrator.",
    );
  }

  /** Not supported: throws {@link NotSupportedError}. */
  isLocked(): never {
    throw new NotSupportedError("context.df.isLocked", "Use Taskhub's ctx.isInCriticalSection.");
  }
}

/** The options of `context.df.callHttp`, as in DF v3. */
export interface CallHttpOptions {
  /** The HTTP method (`GET`, `POST`, ...). */
  readonly method: string;
  /** The absolute http(s) URL. */
  readonly url: string;
  /** The request body (a string, or a value sent as JSON). */
  readonly body?: unknown;
  /** Request headers. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Poll a `202` with a `Location` header until a final response (default true). */
  readonly asynchronousPatternEnabled?: boolean;
  /** DF's older name of {@link asynchronousPatternEnabled}. */
  readonly enablePolling?: boolean;
  /** Not supported (managed identities): throws. */
  readonly tokenSource?: unknown;
}

/** The context a DF v3 function gets: the invocation's fields and a replay-safe log. */
export interface InvocationContextLike {
  /** The invocation's ID. */
  readonly invocationId: string;
  /** The function's registered name. */
  readonly functionName: string;
  /** Logs a line (info). */
  log(...args: unknown[]): void;
  /** Logs a line at trace level (written as debug). */
  trace(...args: unknown[]): void;
  /** Logs a line at debug level. */
  debug(...args: unknown[]): void;
  /** Logs a line at info level. */
  info(...args: unknown[]): void;
  /** Logs a line at warning level. */
  warn(...args: unknown[]): void;
  /** Logs a line at error level. */
  error(...args: unknown[]): void;
}

/** The context of a DF v3 orchestrator: `context.df` and the invocation's fields. */
export interface OrchestrationContext extends InvocationContextLike {
  /** The durable API. */
  readonly df: DurableOrchestrationContext;
}

/** A DF v3 orchestrator: a generator function of the context (`function* (context) { ... }`). */
export type OrchestrationHandler = (context: OrchestrationContext) => Generator<unknown, unknown, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function checkName(name: unknown, api: string): string {
  if (typeof name !== "string")
    throw new InvalidArgumentError(
      `context.df.${api} needs the function's name as a string, got ${typeof name}.`,
    );
  return name;
}

function checkRetry(retryOptions: unknown, api: string) {
  if (!(retryOptions instanceof RetryOptions))
    throw new InvalidArgumentError(`context.df.${api} needs a df.RetryOptions as its second argument.`);
  return retryOptions.toPolicy();
}

function checkEntityId(entityId: unknown, api: string): EntityId {
  if (!(entityId instanceof EntityId))
    throw new InvalidArgumentError(`context.df.${api} needs a df.EntityId (new df.EntityId(name, key)).`);
  return entityId;
}

/** @internal Log methods over a replay-safe Taskhub logger. */
export function logMethods(sink: {
  info(m: string): void;
  warn(m: string): void;
  error(m: string): void;
  debug(m: string): void;
}): Omit<InvocationContextLike, "invocationId" | "functionName"> {
  const line = (args: unknown[]) =>
    args.map((a) => (typeof a === "string" ? a : (JSON.stringify(a) ?? String(a)))).join(" ");
  return {
    log: (...args) => sink.info(line(args)),
    trace: (...args) => sink.debug(line(args)),
    debug: (...args) => sink.debug(line(args)),
    info: (...args) => sink.info(line(args)),
    warn: (...args) => sink.warn(line(args)),
    error: (...args) => sink.error(line(args)),
  };
}

/**
 * @internal Makes the Taskhub generator orchestrator that runs a DF v3 orchestrator: each yielded `context.df` task
 * is yielded to Taskhub as its durable task, and its result (or failure) goes back to the DF generator.
 */
export function adaptOrchestrator(
  name: string,
  handler: OrchestrationHandler,
): GeneratorOrchestratorHandler<unknown, unknown> {
  return function* (ctx, input) {
    const context: OrchestrationContext = {
      df: new DurableOrchestrationContext(ctx, input),
      invocationId: ctx.instanceId,
      functionName: ctx.name,
      ...logMethods(ctx.log),
    };
    const generator: unknown = handler(context);
    if (!isGenerator(generator)) return generator; // a plain function returning its output
    let step = generator.next();
    while (!step.done) {
      const yielded: unknown = step.value;
      if (!(yielded instanceof Task)) {
        step = generator.throw(
          new OrchestratorMisuseError(
            `Orchestrator '${name}' yielded something that is not a task of context.df: yield ` +
              "context.df.callActivity(...), context.df.Task.all([...]), ... (a Promise or an array is not a task).",
          ),
        );
        continue;
      }
      const { task, map } = yielded.toYield();
      let outcome: { ok: true; value: unknown } | { ok: false; error: unknown };
      try {
        outcome = { ok: true, value: map(yield task) };
      } catch (error) {
        outcome = { ok: false, error };
      }
      step = outcome.ok ? generator.next(outcome.value) : generator.throw(outcome.error);
    }
    return step.value;
  };
}

function isGenerator(value: unknown): value is Generator<unknown, unknown, unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Generator).next === "function" &&
    typeof (value as Generator).throw === "function"
  );
}
