/**
 * The limits of one execution, counted as a session runs: actions scheduled (`maxOrchestrationActions`) and history
 * events (`maxHistoryEvents`). A warning is logged when a count reaches 80% of its limit, once per execution: the
 * count crosses that mark at one point of the execution, live in exactly one episode; later replays cross it again
 * while replaying, when the replay-safe logger writes nothing.
 *
 * The history count is the same whether a session replays the whole history or is kept alive between episodes and
 * fed only new events: an `OrchestratorStarted` counts for itself and the `OrchestratorCompleted` that ends its
 * episode (which a kept session never sees), and the actions an episode returns count once they are recorded.
 * @module
 */
import { OrchestrationLimitError } from "../core/errors.js";
import {
  CONTINUE_AS_NEW_ADVICE,
  formatCount,
  limitUnit,
  type OrchestrationLimitName,
} from "../core/limit-messages.js";
import type { HistoryEvent } from "../core/history-event.js";
import { warningThreshold, type ExecutionLimits } from "../core/limits.js";
import type { Logger } from "../core/logger.js";

/** @internal What the budget knows of its session. */
export interface BudgetOwner {
  readonly name: string;
  readonly instanceId: string;
}

/** @internal One execution's counts against its limits. */
export class ExecutionBudget {
  /** History events consumed or recorded so far (see the module comment). */
  #history = 0;
  #warned = new Set<OrchestrationLimitName>();

  constructor(
    readonly limits: ExecutionLimits,
    private readonly owner: BudgetOwner,
    /** Replay-safe: writes nothing while old history is replayed. */
    private readonly log: Logger,
  ) {}

  /**
   * Counts an event fed to the session, `pending` actions not recorded yet.
   * @returns the error to fail with when the history is now over its limit.
   */
  event(event: HistoryEvent, pending: number): OrchestrationLimitError | undefined {
    this.#history +=
      event.type === "OrchestratorStarted" ? 2 : event.type === "OrchestratorCompleted" ? 0 : 1;
    return this.checkHistory(this.#history + pending);
  }

  /**
   * Checks the execution's `count`-th action before it is scheduled, `pending` actions not recorded yet.
   * @returns the error to fail with when the action would exceed a limit.
   */
  action(count: number, pending: number): OrchestrationLimitError | undefined {
    const max = this.limits.maxOrchestrationActions;
    if (count > max) return this.error("maxOrchestrationActions");
    if (count >= warningThreshold(max)) this.warn("maxOrchestrationActions", count);
    return this.checkHistory(this.#history + pending + 1);
  }

  /** Counts the actions an episode returned: they are now history. */
  recorded(actions: number): void {
    this.#history += actions;
  }

  private checkHistory(events: number): OrchestrationLimitError | undefined {
    const max = this.limits.maxHistoryEvents;
    if (events > max) return this.error("maxHistoryEvents");
    if (events >= warningThreshold(max)) this.warn("maxHistoryEvents", events);
    return undefined;
  }

  private error(limit: OrchestrationLimitName): OrchestrationLimitError {
    return new OrchestrationLimitError(limit, this.limits[limit], this.owner);
  }

  private warn(limit: OrchestrationLimitName, count: number): void {
    if (this.#warned.has(limit)) return;
    this.#warned.add(limit);
    const max = this.limits[limit];
    const unit = limitUnit(limit);
    this.log.warn(
      `Orchestration '${this.owner.name}' has ${formatCount(count)} ${unit} in this execution, at least 80% of its limit of ` +
        `${formatCount(max)} (${limit}); at the limit the orchestration fails. ${CONTINUE_AS_NEW_ADVICE}`,
      { limit, limitValue: max, count },
    );
  }
}
