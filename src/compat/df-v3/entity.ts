/**
 * Durable Functions v3 entities: one function of the context that switches on `context.df.operationName`, reads
 * `context.df.getState(init)`, writes `setState`, answers with `return`. Run as a Taskhub entity that accepts every
 * operation name.
 * @module
 */
import { EntityId } from "../../core/entity-id.js";
import { InvalidArgumentError } from "../../core/errors.js";
import type {
  EntityDefinition,
  EntityImplementation,
  OperationScope,
  StateBox,
} from "../../api/entity-definition.js";
import { logMethods, type InvocationContextLike } from "./orchestration-context.js";

/** `context.df` of a DF v3 entity. */
export interface DurableEntityContext<T = unknown> {
  /** The entity's name (lower-cased, as in its ID). */
  readonly entityName: string;
  /** The entity's key. */
  readonly entityKey: string;
  /** The entity's ID. */
  readonly entityId: EntityId;
  /** The operation being run. */
  readonly operationName: string;
  /** True when the entity had no state before this operation. */
  readonly isNewlyConstructed: boolean;
  /** The state; when there is none, `initializer()` becomes the state (or `undefined` without one). */
  getState(initializer?: () => T): T | undefined;
  /** Replaces the state. */
  setState(state: T): void;
  /** The operation's input. */
  getInput<I = unknown>(): I | undefined;
  /** Sets the operation's result (what `callEntity` gets). */
  return(value: unknown): void;
  /** Deletes the entity's state when the operation ends. */
  destructOnExit(): void;
  /** Signals an operation of an entity (one way). */
  signalEntity(entity: EntityId, operationName: string, operationInput?: unknown): void;
  /** Starts an orchestration by name; returns its instance ID. */
  startNewOrchestration(orchestratorFunctionName: string, input?: unknown, instanceId?: string): string;
}

/** The context of a DF v3 entity. */
export interface EntityContext<T = unknown> extends InvocationContextLike {
  /** The entity API. */
  readonly df: DurableEntityContext<T>;
}

/** A DF v3 entity function. */
export type EntityHandler<T = unknown> = (context: EntityContext<T>) => void | Promise<void>;

/** Where an entity's log lines go. */
interface LineSink {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug(message: string): void;
}

/** @internal The Taskhub entity definition that runs a DF v3 entity function. */
export function dfEntity(name: string, handler: EntityHandler, log: LineSink): EntityDefinition {
  const implementation: EntityImplementation = {
    operationNames: [],
    resolve: (operation) => operation,
    isQuery: () => false,
    async execute(operation: string, state: StateBox, input: unknown, scope: OperationScope) {
      let box = state;
      let result: unknown;
      let destruct = false;
      const id = scope.context.entityId;
      const df: DurableEntityContext = {
        entityName: id.name,
        entityKey: id.key,
        entityId: id,
        operationName: operation,
        isNewlyConstructed: state === undefined,
        getState: (initializer) => {
          if (box === undefined && initializer) box = { value: initializer() };
          return box?.value;
        },
        setState: (value) => {
          box = { value };
          destruct = false;
        },
        getInput: <I>() => input as I,
        return: (value) => {
          result = value;
        },
        destructOnExit: () => {
          destruct = true;
        },
        signalEntity: (entity, operationName, operationInput) => {
          if (!(entity instanceof EntityId))
            throw new InvalidArgumentError("context.df.signalEntity needs a df.EntityId.");
          scope.context.signalEntity(entity.name, entity.key, operationName, operationInput);
        },
        startNewOrchestration: (orchestration, orchestrationInput, instanceId) =>
          scope.context.startNewOrchestration(orchestration, orchestrationInput, { instanceId }),
      };
      await handler({
        df,
        invocationId: `${id.toString()}:${operation}`,
        functionName: name,
        ...logMethods(log),
      });
      if (destruct) {
        scope.context.deleteState();
        return { state: undefined, result };
      }
      return { state: box, result };
    },
  };
  return { kind: "entity", name, operationNames: [], id: (key) => new EntityId(name, key), implementation };
}
