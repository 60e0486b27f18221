/**
 * Entity batches on the Durable Task protocol: Taskhub's entity batch (`src/entities/entity-batch.ts`) as a v1
 * `EntityBatchRequest` work item (`WorkItem.entityRequest`: the state and the operations), and the SDK's
 * `EntityBatchResult` (`CompleteEntityTask`) as the batch's outcome.
 *
 * v1 rather than v2 (`entityRequestV2`): the JS SDK turns a v2 request into a v1 batch anyway, and the scheduling
 * information v2 carries (callers, lock owners) stays with Taskhub's entity processor, which sends the responses.
 *
 * The SDK reports one result per operation and the batch's actions (signals, orchestration starts) as one list
 * after rolling back those of failed operations; its `entityState` is the state after the last successful
 * operation, absent when the entity has no state (deleted). A result with `failureDetails` is a failure of the
 * whole batch (its framework failed): an `EntityBatchFailedError`.
 * @module
 */
import { randomUUID } from "node:crypto";
import { EntityId } from "../core/entity-id.js";
import { EntityBatchFailedError, InvalidArgumentError } from "../core/errors.js";
import { validateInstanceId } from "../core/instance-id.js";
import type { NewInboxMessage, NewInstance } from "../core/records.js";
import type {
  EntityBatchOutcome,
  EntityBatchRequest as TaskhubEntityBatch,
  EntityOperationResult,
} from "../entities/entity-batch.js";
import { entityCreation, signalMessage } from "../orchestration/entity-messages.js";
import { fromTaskFailureDetails } from "./failure-details.js";
import type { EntityBatchRequest, EntityBatchResult, OperationAction, OperationResult } from "./messages.js";
import type { MessageInput } from "./messages/wire-types.js";
import { fromOptionalTimestamp, fromStringValue, toStringValue, toWireTraceContext } from "./wire-values.js";

/** The key a completion without a token is matched by: the entity instance. */
export const entityKey = (instanceId: string): string => `e:${instanceId}`;

/** The `EntityBatchRequest` of a batch. */
export function toEntityBatchRequest(batch: TaskhubEntityBatch): MessageInput<EntityBatchRequest> {
  return {
    instanceId: batch.entityId.toString(),
    entityState: toStringValue(batch.state),
    operations: batch.operations.map((operation) => ({
      operation: operation.operation,
      requestId: operation.requestId,
      input: toStringValue(operation.input),
      traceContext: toWireTraceContext(operation.parentTraceContext),
    })),
  };
}

/**
 * The outcome of `batch` the SDK reported in `result`.
 * @throws EntityBatchFailedError when the SDK failed the batch as a whole, or its result cannot be applied (a
 *   result count that does not match, an action Taskhub cannot carry out).
 */
export function entityOutcomeOf(batch: TaskhubEntityBatch, result: EntityBatchResult): EntityBatchOutcome {
  const entity = batch.entityId.toString();
  if (result.failureDetails) {
    const failure = fromTaskFailureDetails(result.failureDetails);
    throw new EntityBatchFailedError(
      `The SDK worker failed the batch of entity '${entity}' (${batch.operations.length} operations): ` +
        `${failure.errorType}: ${failure.message}.`,
    );
  }
  const results = result.results ?? [];
  if (results.length !== batch.operations.length)
    throw new EntityBatchFailedError(
      `The SDK worker returned ${results.length} results for the ${batch.operations.length} operations of ` +
        `entity '${entity}'.`,
    );
  const messages: NewInboxMessage[] = [];
  const newInstances: NewInstance[] = [];
  try {
    for (const action of result.actions ?? []) applyAction(batch, action, messages, newInstances);
  } catch (error) {
    throw new EntityBatchFailedError(
      `The SDK worker's actions for entity '${entity}' cannot be carried out: ${(error as Error).message}`,
    );
  }
  return {
    results: results.map(operationResult),
    state: fromStringValue(result.entityState),
    sends: { messages, newInstances },
  };
}

function operationResult(result: OperationResult): EntityOperationResult {
  if (result.resultType === "failure") {
    const details = result.failure?.failureDetails;
    return {
      ok: false,
      failure: details
        ? fromTaskFailureDetails(details)
        : { errorType: "Error", message: "The entity operation failed (the SDK worker gave no details)." },
    };
  }
  if (result.resultType !== "success")
    throw new EntityBatchFailedError(
      "The SDK worker returned an operation result that is neither success nor failure.",
    );
  const text = fromStringValue(result.success?.result);
  return { ok: true, ...(text !== undefined && text !== "" ? { result: text } : {}) };
}

function applyAction(
  batch: TaskhubEntityBatch,
  action: OperationAction,
  messages: NewInboxMessage[],
  newInstances: NewInstance[],
): void {
  const sender = batch.entityId.toString();
  switch (action.operationActionType) {
    case "sendSignal": {
      const signal = action.sendSignal!;
      // The SDKs lower-case entity names; parsing normalizes and checks the target.
      const target = EntityId.parse(signal.instanceId).toString();
      if (!signal.name)
        throw new InvalidArgumentError(`signal ${action.id} to '${target}' has no operation name`);
      const at = fromOptionalTimestamp(signal.scheduledTime);
      messages.push(
        signalMessage(
          target,
          signal.name,
          text(signal.input),
          at ? new Date(at) : undefined,
          batch.timestamp,
          sender,
        ),
      );
      newInstances.push(entityCreation(target, batch.timestamp));
      return;
    }
    case "startNewOrchestration": {
      const start = action.startNewOrchestration!;
      if (!start.name) throw new InvalidArgumentError(`orchestration start ${action.id} has no name`);
      const instanceId = start.instanceId || randomUUID();
      validateInstanceId(instanceId);
      const at = fromOptionalTimestamp(start.scheduledTime);
      const version = fromStringValue(start.version);
      newInstances.push({
        event: {
          type: "ExecutionStarted",
          timestamp: batch.timestamp,
          name: start.name,
          instanceId,
          executionId: randomUUID(),
          input: text(start.input),
          ...(version ? { version } : {}),
          ...(at ? { scheduledStartTime: at } : {}),
        },
        ...(at ? { visibleAt: Date.parse(at) } : {}),
      });
      return;
    }
    default:
      throw new InvalidArgumentError(`action ${action.id} is of an unknown kind`);
  }
}

/** A `StringValue` payload as JSON text; absent or empty (the SDKs' `undefined`): none. */
function text(value: { readonly value: string } | null | undefined): string | undefined {
  return value && value.value !== "" ? value.value : undefined;
}
