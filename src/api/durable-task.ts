/**
 * Durable tasks: the awaitable handles orchestrator code gets from the context.
 * @module
 */

/** How a task ended. */
export type TaskState = "pending" | "completed" | "failed";

/**
 * A durable task: awaitable like a promise (works with `await`, `Promise.all`, `Promise.race`), with identity, so
 * `ctx.whenAny` can tell which task won. Its outcome comes from history, never from real I/O.
 */
export class DurableTask<T> implements PromiseLike<T> {
  readonly #promise: Promise<T>;
  #state: TaskState = "pending";
  #result: T | undefined;
  #error: unknown;
  // Typed `unknown`, not `T`: a `(value: T) => void` field would make DurableTask invariant in T, so that
  // `ctx.whenAny([eventTask, timerTask])` would not type-check (DurableTask<string> is not a DurableTask<unknown>).
  #resolve!: (value: unknown) => void;
  #reject!: (error: unknown) => void;

  /** @internal Created by the orchestration context only. */
  constructor(readonly description: string) {
    this.#promise = new Promise<T>((resolve, reject) => {
      this.#resolve = resolve as (value: unknown) => void;
      this.#reject = reject;
    });
    // A failed task nobody awaits must not become an unhandled rejection of the process.
    this.#promise.catch(() => undefined);
  }

  /** `pending`, `completed` or `failed`. */
  get state(): TaskState {
    return this.#state;
  }

  /** True once the task completed or failed. */
  get isDone(): boolean {
    return this.#state !== "pending";
  }

  /** The result, once completed. */
  get result(): T | undefined {
    return this.#result;
  }

  /** The error, once failed. */
  get error(): unknown {
    return this.#error;
  }

  /** @internal */
  complete(value: T): void {
    if (this.#state !== "pending") return;
    this.#state = "completed";
    this.#result = value;
    (this.#resolve as (value: T) => void)(value);
  }

  /** @internal */
  fail(error: unknown): void {
    if (this.#state !== "pending") return;
    this.#state = "failed";
    this.#error = error;
    this.#reject(error);
  }

  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.#promise.then(onfulfilled, onrejected);
  }

  /** Like `Promise.prototype.catch`. */
  catch<R = never>(onrejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<T | R> {
    return this.#promise.catch(onrejected);
  }

  /** Like `Promise.prototype.finally`. */
  finally(onfinally?: (() => void) | null): Promise<T> {
    return this.#promise.finally(onfinally);
  }
}

/** A durable timer. Cancel it when it lost a race so that it never wakes the orchestration for nothing. */
export class TimerTask extends DurableTask<void> {
  #cancelled = false;
  #onCancel: (() => void) | undefined;

  /** @internal */
  constructor(
    description: string,
    readonly fireAt: Date,
    onCancel?: () => void,
  ) {
    super(description);
    this.#onCancel = onCancel;
  }

  /** True after {@link cancel}. */
  get isCancelled(): boolean {
    return this.#cancelled;
  }

  /** Cancels the timer: it stays pending forever and its firing is ignored. */
  cancel(): void {
    if (this.isDone || this.#cancelled) return;
    this.#cancelled = true;
    this.#onCancel?.();
  }
}

/** The winning task of `whenAny`, typed without `then` so that `await` does not unwrap it. Compare with `===`. */
export type Winner<T> = Omit<T, "then" | "catch" | "finally">;

/**
 * The task `ctx.whenAny` returns: awaiting it gives the winning task object itself (not its value), so that
 * `(await ctx.whenAny([a, b])) === a` tells which one finished first. Await the original task for its value.
 */
export class WhenAnyTask<T extends DurableTask<unknown>> implements PromiseLike<Winner<T>> {
  readonly #inner = new DurableTask<{ readonly winner: T }>("whenAny");

  /** @internal */
  settle(winner: T): void {
    this.#inner.complete({ winner });
  }

  /** True once one of the tasks finished. */
  get isDone(): boolean {
    return this.#inner.isDone;
  }

  then<R1 = Winner<T>, R2 = never>(
    onfulfilled?: ((value: Winner<T>) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.#inner.then(({ winner }) => {
      if (!onfulfilled) return winner as unknown as R1;
      // A promise resolve function adopts thenables. Hide `then` while handing the task over, so the awaiting code
      // receives the task object itself.
      Object.defineProperty(winner, "then", { value: undefined, configurable: true });
      try {
        return onfulfilled(winner);
      } finally {
        delete (winner as { then?: unknown }).then;
      }
    }, onrejected);
  }
}
