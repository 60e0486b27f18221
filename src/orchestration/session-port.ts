/**
 * What the helpers of an orchestration session (its entity calls, its context) see of the session that owns them.
 * The session implements these interfaces; the helpers import them from here, not the session, so the session and
 * its helpers import one another in one direction only.
 * @module
 */
import type { DurableTask } from "../api/durable-task.js";
import type { OrchestratorAction } from "./actions.js";

/** @internal The kinds of tasks an orchestrator awaits. */
export type TaskKind = "activity" | "timer" | "subOrchestration" | "entity" | "lock";

/** @internal An awaited task that has not settled yet. */
export interface OpenTask {
  readonly kind: TaskKind;
  readonly name: string;
  readonly task: DurableTask<unknown>;
  /** The episode time at which the code scheduled it (its scheduling event's timestamp). */
  readonly scheduledAt: Date;
  /** For a sub-orchestration: the child's instance ID. */
  readonly childInstanceId?: string | undefined;
  cancelled?: boolean;
}

/** @internal What the entity calls of a session use of it. */
export interface SessionActions {
  /** The running instance's ID. */
  readonly instanceId: string;
  /** The running execution's ID. */
  readonly executionId: string;
  /** The orchestrator's name. */
  readonly name: string;
  /** True once the execution ended. */
  readonly isFinished: boolean;
  /** Records an action and (for awaitable ones) the task that its result settles; returns its sequence number. */
  schedule(
    build: (id: number) => OrchestratorAction,
    kind?: TaskKind,
    task?: DurableTask<unknown>,
    label?: string,
  ): number;
}
