/**
 * Checks of entity names and operation names against an app's registry, shared by the client, the entity processor
 * and entities signalling each other.
 * @module
 */
import type { Registry } from "./registry.js";
import { InvalidArgumentError, UnknownFunctionError } from "../core/errors.js";
import { serialize } from "../core/json.js";
import type { EntityDefinition, SignalEntityOptions } from "./entity-definition.js";
import type { EntityId } from "../core/entity-id.js";

/** The operation every entity has unless it defines its own: deletes the state. */
export const DELETE_OPERATION = "delete";

/** Checks a non-empty operation name. @throws InvalidArgumentError */
export function checkOperationName(operation: unknown, method: string): asserts operation is string {
  if (typeof operation !== "string" || operation.length === 0)
    throw new InvalidArgumentError(`${method} needs a non-empty operation name.`);
}

/** The definition of the entity `id`. @throws UnknownFunctionError when no entity has that name. */
export function entityDefinitionOf(registry: Registry, id: EntityId): EntityDefinition {
  const definition = registry.entities.get(id.name);
  if (!definition) throw new UnknownFunctionError("entity", id.name, registry.entities.names());
  return definition;
}

/**
 * The registered spelling of `operation` on `definition`, or `undefined` for the built-in delete.
 * @throws InvalidArgumentError when the entity has no such operation.
 */
export function resolveOperation(definition: EntityDefinition, operation: string): string | undefined {
  const resolved = definition.implementation.resolve(operation);
  if (resolved !== undefined) return resolved;
  if (operation.toLowerCase() === DELETE_OPERATION) return undefined;
  throw new InvalidArgumentError(
    `Entity '${definition.name}' has no operation '${operation}'. ` +
      `Its operations: ${[...definition.operationNames, DELETE_OPERATION].join(", ")}.`,
  );
}

/**
 * Checks, when a registry is known, that the entity and the operation exist.
 * @throws UnknownFunctionError / InvalidArgumentError
 */
export function checkEntityOperation(registry: Registry | undefined, id: EntityId, operation: string): void {
  if (registry) resolveOperation(entityDefinitionOf(registry, id), operation);
}

/** A checked entity signal, ready to send. */
export interface PreparedSignal {
  readonly operation: string;
  /** JSON text of the input. */
  readonly input: string | undefined;
  /** When to deliver it (`undefined`: now). */
  readonly signalTime: Date | undefined;
}

/**
 * Checks a signal to `target`: a non-empty operation (that the entity has, when a registry is known), an input that
 * serializes (within `maxPayloadBytes`, default 16 MiB), and a valid `signalTime`. Shared by the client,
 * orchestrations and entities.
 * @throws InvalidArgumentError / UnknownFunctionError / PayloadTooLargeError
 */
export function prepareSignal(
  registry: Registry | undefined,
  target: EntityId,
  operation: unknown,
  input: unknown,
  options: SignalEntityOptions | undefined,
  maxPayloadBytes?: number,
): PreparedSignal {
  checkOperationName(operation, "signalEntity");
  checkEntityOperation(registry, target, operation);
  const text = serialize(input, `Input of entity operation '${operation}'`, maxPayloadBytes);
  const time = options?.signalTime;
  if (time !== undefined && !(time instanceof Date && Number.isFinite(time.getTime())))
    throw new InvalidArgumentError("signalEntity's signalTime must be a valid Date.");
  return { operation, input: text, signalTime: time };
}
