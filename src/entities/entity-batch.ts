/**
 * The entity batch port: where an entity step runs the operations it decided to run. The step (the entity
 * processor) keeps the scheduling — the queue, locks and deferred requests, the responses to callers, the commit of
 * the state and of what the operations send, poison handling — and hands the runnable operations, in order, to an
 * executor with the state before them. The local executor (`./local-entity-batch.ts`) runs the app's registered
 * entities; a remote one (the gRPC sidecar's SDK workers) runs entities the registry does not have.
 *
 * Semantics every executor keeps: the operations run one at a time, in order, each on the state the previous one
 * left; an operation that throws is rolled back alone (its state changes and what it sent are dropped) and reported
 * as failed; the batch's state is the state after the last operation that succeeded.
 * @module
 */
import type { EntityId } from "../core/entity-id.js";
import type { FailureDetails } from "../core/failure.js";
import type { EntityOperationCalled, EntityOperationSignaled } from "../core/history-event.js";
import type { NewInboxMessage, NewInstance } from "../core/records.js";
import type { TracedOperation } from "../tracing/entity-spans.js";

/** One operation request of a batch: a signal, or a call an orchestration awaits. */
export type EntityOperationRequest = EntityOperationSignaled | EntityOperationCalled;

/** What a batch runs: the entity, its state before the batch, and the operations in order. */
export interface EntityBatchRequest {
  /** The entity (its instance ID is `entityId.toString()`). */
  readonly entityId: EntityId;
  /** The entity instance's execution ID (stable for the entity's lifetime). */
  readonly executionId: string;
  /** The state before the first operation, as JSON text; `undefined`: the entity has no state. */
  readonly state: string | undefined;
  /** The operations to run, in order (at least one). */
  readonly operations: readonly EntityOperationRequest[];
  /** The step's time, ISO-8601: the timestamp of what the operations send. */
  readonly timestamp: string;
  /** The hub lease's expiry of the work item (epoch ms): a remote executor gives the batch up by then. */
  readonly lockExpiresAt: number;
}

/** What operations send and start: messages (signals) and instance creations (entities signalled, orchestrations). */
export interface EntitySends {
  readonly messages: readonly NewInboxMessage[];
  readonly newInstances: readonly NewInstance[];
}

/** One operation's outcome: its result (JSON text) and what it sent, or its failure (rolled back). */
export type EntityOperationResult =
  | ({ readonly ok: true; readonly result?: string | undefined } & Partial<EntitySends>)
  | { readonly ok: false; readonly failure: FailureDetails };

/** A batch's outcome. */
export interface EntityBatchOutcome {
  /** One per operation of the request, in order. */
  readonly results: readonly EntityOperationResult[];
  /** The state after the last operation that succeeded (JSON text); `undefined`: no state (deleted). */
  readonly state: string | undefined;
  /**
   * What the successful operations sent when the executor does not tell which operation sent what (the Durable Task
   * protocol reports the batch's actions as one list); sent after the per-operation ones.
   */
  readonly sends?: EntitySends | undefined;
}

/**
 * Runs entity operations. Error contract: an operation's failure is its result, never a rejection. A rejection is a
 * fault of the whole batch (nothing of it is kept): the worker retries the work item later, or releases it at once
 * for a `RemoteWorkerLostError` (see `src/worker/remote-work.ts`).
 */
export interface EntityBatchExecutor {
  execute(request: EntityBatchRequest): Promise<EntityBatchOutcome>;
}

/** Entities whose operations run elsewhere: those the registry does not have. */
export interface RemoteEntityExecutor extends EntityBatchExecutor {
  /** True when an executor that takes entity `name` (lower-case) is connected now. */
  accepts(name: string): boolean;
}

/** How an operation's span names it (`entity:<name>:<operation>`, under the sender's span). */
export function tracedOperationOf(
  request: EntityBatchRequest,
  operation: EntityOperationRequest,
): TracedOperation {
  return {
    entityName: request.entityId.name,
    instanceId: request.entityId.toString(),
    operation: operation.operation,
    kind: operation.type === "EntityOperationCalled" ? "call" : "signal",
    parentTraceContext: operation.parentTraceContext,
  };
}
