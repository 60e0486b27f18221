/**
 * The payload limit on batches a remote executor runs. The local executor checks each operation's result, state and
 * sends as it runs them (an operation over the limit fails and is rolled back alone); a remote executor reports the
 * batch's state and sends only as a whole. So a remote batch with something over the limit runs again one operation
 * at a time, and a single operation over it fails with a `PayloadTooLargeError`, the state as it was before it.
 * @module
 */
import { DEFAULT_MAX_PAYLOAD_BYTES } from "../core/limits.js";
import { checkPayloadSize } from "../core/json.js";
import { toFailureDetails } from "../core/failure.js";
import type {
  EntityBatchExecutor,
  EntityBatchOutcome,
  EntityBatchRequest,
  EntityOperationResult,
  EntitySends,
  RemoteEntityExecutor,
} from "./entity-batch.js";

/** `remote` with its outcomes held to `maxPayloadBytes` (default 16 MiB). */
export function payloadChecked(
  remote: RemoteEntityExecutor,
  maxPayloadBytes = DEFAULT_MAX_PAYLOAD_BYTES,
): RemoteEntityExecutor {
  const executor: EntityBatchExecutor = {
    async execute(request) {
      const outcome = await remote.execute(request);
      const problem = oversize(request, outcome, maxPayloadBytes);
      if (problem === undefined) return outcome;
      if (request.operations.length === 1)
        return { results: [{ ok: false, failure: toFailureDetails(problem) }], state: request.state };
      return oneByOne(request, executor);
    },
  };
  return { accepts: (name) => remote.accepts(name), execute: (request) => executor.execute(request) };
}

/** Runs the batch's operations as batches of one, each on the state the previous one left. */
async function oneByOne(
  request: EntityBatchRequest,
  executor: EntityBatchExecutor,
): Promise<EntityBatchOutcome> {
  let state = request.state;
  const results: EntityOperationResult[] = [];
  for (const operation of request.operations) {
    const outcome = await executor.execute({ ...request, state, operations: [operation] });
    const result = outcome.results[0]!;
    results.push(result.ok && outcome.sends ? { ...result, ...merged(result, outcome.sends) } : result);
    state = outcome.state;
  }
  return { results, state };
}

/** The operation's own sends followed by the batch-level ones (a batch of one: they are the operation's). */
function merged(result: Partial<EntitySends>, sends: EntitySends): EntitySends {
  return {
    messages: [...(result.messages ?? []), ...sends.messages],
    newInstances: [...(result.newInstances ?? []), ...sends.newInstances],
  };
}

/** The first payload of `outcome` over the limit, as the error an operation over it fails with. */
function oversize(
  request: EntityBatchRequest,
  outcome: EntityBatchOutcome,
  maxBytes: number,
): Error | undefined {
  const entity = request.entityId.toString();
  try {
    if (outcome.state !== undefined)
      checkPayloadSize(outcome.state, `The state of entity '${entity}'`, maxBytes);
    outcome.results.forEach((result, i) => {
      if (result.ok && result.result !== undefined)
        checkPayloadSize(
          result.result,
          `The result of operation '${request.operations[i]?.operation}' of '${entity}'`,
          maxBytes,
        );
    });
    for (const message of outcome.sends?.messages ?? []) {
      const input = "input" in message.event ? message.event.input : undefined;
      if (typeof input === "string") checkPayloadSize(input, `A signal sent by entity '${entity}'`, maxBytes);
    }
    for (const instance of outcome.sends?.newInstances ?? [])
      if (instance.event.input !== undefined)
        checkPayloadSize(
          instance.event.input,
          `Input of orchestration '${instance.event.name}' started by entity '${entity}'`,
          maxBytes,
        );
    return undefined;
  } catch (error) {
    return error as Error;
  }
}
