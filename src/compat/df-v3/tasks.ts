/**
 * The tasks a Durable Functions v3 orchestrator yields (`context.df.callActivity(...)`, `Task.all`, `Task.any`):
 * thin wrappers over Taskhub's durable tasks, with DF's `isCompleted` / `isFaulted` / `result`.
 * @module
 */
import type { DurableTask, TimerTask as TaskhubTimerTask } from "../../api/durable-task.js";
import type { OrchestrationContext } from "../../api/orchestration-context.js";

/** A task of `context.df`, to `yield` in a generator orchestrator. */
export class Task {
  /** @internal */
  constructor(readonly inner: DurableTask<unknown>) {}

  /** True once the task finished, successfully or not (as in Durable Functions: not the same as success). */
  get isCompleted(): boolean {
    return this.inner.isDone;
  }

  /** True when the task failed. */
  get isFaulted(): boolean {
    return this.inner.state === "failed";
  }

  /** The result, once completed successfully. */
  get result(): unknown {
    return this.inner.state === "failed" ? this.inner.error : this.inner.result;
  }

  /** @internal What the orchestration yields to Taskhub for this task, and how its result maps back. */
  toYield(): { readonly task: PromiseLike<unknown>; readonly map: (value: unknown) => unknown } {
    return { task: this.inner, map: (value) => value };
  }
}

/** A durable timer of `context.df.createTimer`; cancel it when it lost a race. */
export class TimerTask extends Task {
  /** @internal */
  constructor(private readonly timer: TaskhubTimerTask) {
    super(timer);
  }

  /** True after {@link cancel}. */
  get isCancelled(): boolean {
    return this.timer.isCancelled;
  }

  /** Cancels the timer: it never completes, and its firing is ignored. */
  cancel(): void {
    this.timer.cancel();
  }
}

/** The task of `context.df.Task.any`: yielding it gives the winning task (compare with `===`). */
export class AnyTask extends Task {
  #winner: Task | undefined;

  /** @internal */
  constructor(
    private readonly ctx: OrchestrationContext,
    private readonly tasks: readonly Task[],
  ) {
    // Its own state is that of the winner; the inner task is only a placeholder for `isCompleted` before a win.
    super(tasks[0]?.inner ?? (undefined as never));
  }

  override get isCompleted(): boolean {
    return this.#winner !== undefined;
  }

  override get isFaulted(): boolean {
    return false;
  }

  override get result(): unknown {
    return this.#winner;
  }

  /** @internal */
  override toYield(): { readonly task: PromiseLike<unknown>; readonly map: (value: unknown) => unknown } {
    const inners = this.tasks.map((t) => t.inner);
    return {
      task: this.ctx.whenAny(inners),
      map: (winner) => {
        this.#winner = this.tasks[inners.indexOf(winner as DurableTask<unknown>)];
        return this.#winner;
      },
    };
  }
}
