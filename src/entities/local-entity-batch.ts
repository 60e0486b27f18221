/**
 * The local entity batch executor: runs operations of the app's registered entities in this process, each on its
 * own copy of the state and under its own span (see `./entity-batch.ts` for the semantics).
 * @module
 */
import type { Registry } from "../api/registry.js";
import { entityDefinitionOf, resolveOperation } from "../api/entity-lookup.js";
import { TaskHubError } from "../core/errors.js";
import { toFailureDetails } from "../core/failure.js";
import { deserialize, serialize } from "../core/json.js";
import { traceEntityOperation } from "../tracing/entity-spans.js";
import {
  tracedOperationOf,
  type EntityBatchExecutor,
  type EntityBatchOutcome,
  type EntityBatchRequest,
  type EntityOperationRequest,
  type EntityOperationResult,
} from "./entity-batch.js";
import { OperationContextImpl } from "./entity-operation-context.js";

/** Settings of the local executor. */
export interface LocalEntityBatchOptions {
  /**
   * Largest payload (an operation's input to what it sends or starts, its result, the entity's new state) as UTF-8
   * JSON, in bytes (default 16 MiB). An operation over it fails and is rolled back.
   */
  readonly maxPayloadBytes?: number | undefined;
  /** The version stamped on orchestrations operations start (`ctx.startNewOrchestration`): the worker's default. */
  readonly defaultVersion?: string | undefined;
}

/** Runs the registry's entities. */
export class LocalEntityBatchExecutor implements EntityBatchExecutor {
  constructor(
    private readonly registry: Registry,
    private readonly options: LocalEntityBatchOptions = {},
  ) {}

  async execute(request: EntityBatchRequest): Promise<EntityBatchOutcome> {
    let state = request.state;
    const results: EntityOperationResult[] = [];
    for (const operation of request.operations) {
      let result: EntityOperationResult | undefined;
      await traceEntityOperation(tracedOperationOf(request, operation), async () => {
        const run = await this.#run(request, operation, state);
        result = run.result;
        state = run.state;
        return run.result.ok ? undefined : run.result.failure;
      });
      results.push(result!);
    }
    return { results, state };
  }

  /** Runs one operation on `stateText`; never throws (a failure leaves the state as it was). */
  async #run(
    request: EntityBatchRequest,
    operationRequest: EntityOperationRequest,
    stateText: string | undefined,
  ): Promise<{ result: EntityOperationResult; state: string | undefined }> {
    const { entityId: id, timestamp } = request;
    const { maxPayloadBytes, defaultVersion } = this.options;
    const name = operationRequest.operation;
    const ctx = new OperationContextImpl(
      id,
      name,
      stateText !== undefined,
      this.registry,
      timestamp,
      maxPayloadBytes,
      defaultVersion,
    );
    try {
      const definition = entityDefinitionOf(this.registry, id);
      const operation = resolveOperation(definition, name);
      const input = deserialize(operationRequest.input, `Input of entity operation '${name}'`);
      let next: string | undefined;
      let result: unknown;
      if (operation === undefined) {
        next = undefined; // the built-in delete
      } else {
        const implementation = definition.implementation;
        const outcome = await implementation.execute(
          operation,
          stateBox(id.toString(), stateText),
          input,
          ctx,
        );
        result = outcome.result;
        next = implementation.isQuery(operation)
          ? stateText
          : serialize(
              outcome.state?.value,
              `The state of entity '${id}' after operation '${operation}'`,
              maxPayloadBytes,
            );
      }
      const resultText = serialize(result, `The result of operation '${name}' of '${id}'`, maxPayloadBytes);
      return {
        result: { ok: true, result: resultText, messages: ctx.messages, newInstances: ctx.newInstances },
        state: next,
      };
    } catch (error) {
      return { result: { ok: false, failure: toFailureDetails(error) }, state: stateText };
    }
  }
}

function stateBox(entity: string, stateText: string | undefined): { value: unknown } | undefined {
  if (stateText === undefined) return undefined;
  try {
    return { value: JSON.parse(stateText) as unknown };
  } catch (error) {
    throw new TaskHubError(
      `The stored state of entity '${entity}' is corrupted: ${(error as Error).message}`,
    );
  }
}
