/**
 * The context of one entity operation. Whatever the operation sends or starts is buffered here and kept only if the
 * operation returns (an operation that throws is rolled back, its messages included).
 * @module
 */
import { randomUUID } from "node:crypto";
import type { OrchestrationDefinition } from "../api/definitions.js";
import type { Registry } from "../api/registry.js";
import { InvalidArgumentError, UnknownFunctionError } from "../core/errors.js";
import { newInstanceId, validateInstanceId } from "../core/instance-id.js";
import { serialize } from "../core/json.js";
import type { NewInboxMessage, NewInstance } from "../core/records.js";
import type {
  EntityContext,
  EntityStartOptions,
  OperationScope,
  SignalEntityOptions,
} from "../api/entity-definition.js";
import { entityId, type EntityId, type EntityRef } from "../core/entity-id.js";
import { prepareSignal } from "../api/entity-lookup.js";
import { entityCreation, signalMessage } from "../orchestration/entity-messages.js";

/** @internal The context handed to one operation, and what the operation did. */
export class OperationContextImpl implements EntityContext, OperationScope {
  /** Messages to send if the operation returns. */
  readonly messages: NewInboxMessage[] = [];
  /** Instances to create if the operation returns (entities signalled, orchestrations started). */
  readonly newInstances: NewInstance[] = [];
  deleted = false;

  constructor(
    readonly entityId: EntityId,
    readonly operationName: string,
    readonly exists: boolean,
    private readonly registry: Registry,
    private readonly timestamp: string,
    /** Largest input of what the operation sends or starts, in bytes (default 16 MiB). */
    private readonly maxPayloadBytes?: number,
    /** The version stamped on the orchestrations it starts (the worker's `defaultVersion`). */
    private readonly defaultVersion?: string,
  ) {}

  get context(): EntityContext {
    return this;
  }

  signalEntity(
    entity: EntityRef,
    key: string,
    operation: string,
    input?: unknown,
    options?: SignalEntityOptions,
  ): void {
    const target = entityId(entity, key);
    const { input: text, signalTime: time } = prepareSignal(
      this.registry,
      target,
      operation,
      input,
      options,
      this.maxPayloadBytes,
    );
    const targetInstanceId = target.toString();
    this.messages.push(
      signalMessage(targetInstanceId, operation, text, time, this.timestamp, this.entityId.toString()),
    );
    this.newInstances.push(entityCreation(targetInstanceId, this.timestamp));
  }

  startNewOrchestration(
    orchestration: OrchestrationDefinition<never, unknown> | string,
    input?: unknown,
    options?: EntityStartOptions,
  ): string {
    const given = typeof orchestration === "string" ? orchestration : orchestration?.name;
    if (typeof given !== "string" || given.length === 0)
      throw new InvalidArgumentError("startNewOrchestration needs an orchestration definition or a name.");
    const definition = this.registry.orchestrations.get(given);
    if (!definition)
      throw new UnknownFunctionError("orchestrator", given, this.registry.orchestrations.names());
    const instanceId = options?.instanceId ?? newInstanceId();
    validateInstanceId(instanceId);
    this.newInstances.push({
      event: {
        type: "ExecutionStarted",
        timestamp: this.timestamp,
        name: definition.name,
        instanceId,
        executionId: randomUUID(),
        input: serialize(input, `Input of orchestration '${definition.name}'`, this.maxPayloadBytes),
        ...(this.defaultVersion ? { version: this.defaultVersion } : {}),
      },
    });
    return instanceId;
  }

  deleteState(): void {
    this.deleted = true;
  }
}
