/**
 * Entity definitions: what `app.entity(...)` returns. A definition carries the types of its state and operations, so
 * `client.signalEntity(cart, key, "add", "book")` and `ctx.callEntity(cart, key, "get")` are checked against the
 * entity's own code: operation names, input types and result types.
 *
 * Two forms:
 * - **functions**: `{ initialState, operations, queries? }`. An operation gets `(state, input, ctx)` and returns the
 *   new state (or mutates `state` and returns nothing); whatever it returns is also what `callEntity` resolves to.
 *   A query gets the same arguments, returns a result and never changes the state.
 * - **class**: a class with a no-argument constructor; its fields are the state, its methods the operations, called
 *   as `method(input, ctx)`; the method's return value is the result.
 * @module
 */
import type { OrchestrationDefinition } from "./definitions.js";
import type { EntityId } from "../core/entity-id.js";

/** Options of `signalEntity`. */
export interface SignalEntityOptions {
  /** Deliver the operation at this time, not before (a durable, scheduled signal). */
  readonly signalTime?: Date | undefined;
}

/** Options of {@link EntityContext.startNewOrchestration}. */
export interface EntityStartOptions {
  /** The new instance's ID (default: a random one). An ID held by a running instance is not started again. */
  readonly instanceId?: string | undefined;
}

/** What a query (read-only operation) gets besides the state and input. */
export interface EntityReadContext {
  /** This entity. */
  readonly entityId: EntityId;
  /** The operation being run. */
  readonly operationName: string;
  /** False when the entity had no state: the state given is the initial state. */
  readonly exists: boolean;
}

/**
 * What an operation gets besides the state and input. Everything it does takes effect only if the operation returns:
 * an operation that throws rolls back its state change, its signals and its orchestration starts.
 */
export interface EntityContext extends EntityReadContext {
  /** Signals an operation of another entity (or this one), optionally at a later time. One way. */
  signalEntity<E extends EntityDefinition, K extends OperationName<E>>(
    entity: E,
    key: string,
    operation: K,
    ...args: SignalArgs<E, K>
  ): void;
  /** Signals an operation by entity name. */
  signalEntity(
    entity: string,
    key: string,
    operation: string,
    input?: unknown,
    options?: SignalEntityOptions,
  ): void;
  /** Starts an orchestration; returns its instance ID. */
  startNewOrchestration<I, O>(
    orchestration: OrchestrationDefinition<I, O>,
    input?: I,
    options?: EntityStartOptions,
  ): string;
  /** Starts an orchestration by name; returns its instance ID. */
  startNewOrchestration(orchestration: string, input?: unknown, options?: EntityStartOptions): string;
  /** Deletes the entity's state: it no longer exists once the operation returns (unless it returns a new state). */
  deleteState(): void;
}

/** The type-level signature of one operation: its arguments after the operation name, and its result. */
export interface OperationSignature {
  readonly args: readonly unknown[];
  readonly output: unknown;
}

/** Operation signatures by name. */
export type OperationMap = Record<string, OperationSignature>;

/** @internal The state during an operation: `{ value }`, or `undefined` when the entity has none. */
export type StateBox = { readonly value: unknown } | undefined;

/** @internal What the processor gives an implementation to run one operation. */
export interface OperationScope {
  readonly context: EntityContext;
  /** True once `ctx.deleteState()` was called. */
  readonly deleted: boolean;
}

/** @internal How the entity processor runs operations, whatever the form of the definition. */
export interface EntityImplementation {
  /** Operation and query names, as registered. */
  readonly operationNames: readonly string[];
  /** The registered spelling of `operation` (exact match first, then case-insensitive), or `undefined`. */
  resolve(operation: string): string | undefined;
  /** True for read-only operations: they return a result and never change the state. */
  isQuery(operation: string): boolean;
  /** Runs a resolved operation. The state object is the processor's own copy: it may be mutated. */
  execute(
    operation: string,
    state: StateBox,
    input: unknown,
    scope: OperationScope,
  ): Promise<{ readonly state: StateBox; readonly result: unknown }>;
}

/** A registered entity. Use it to address the entity: `signalEntity(def, key, ...)`, `def.id(key)`. */
export interface EntityDefinition<S = unknown, M = OperationMap> {
  readonly kind: "entity";
  /** The name as registered (entity IDs use it lower-cased). */
  readonly name: string;
  /** Operation and query names. */
  readonly operationNames: readonly string[];
  /** The ID of the entity with `key`. */
  id(key: string): EntityId;
  /** Type-level only (always `undefined`): the state and operation signatures. */
  readonly types?: { readonly state: S; readonly operations: M };
  /** @internal */
  readonly implementation: EntityImplementation;
}

/** An operation of the function form: returns the new state, or nothing after mutating `state`. */
export type EntityOperation<S> = (state: S, input: never, ctx: EntityContext) => S | void | Promise<S | void>;

/** A query of the function form: returns a result; the state is never changed. */
export type EntityQueryHandler<S> = (state: S, input: never, ctx: EntityReadContext) => unknown;

/** Operations of the function form, by name. */
export type EntityOperations<S> = Record<string, EntityOperation<S>>;

/** Queries of the function form, by name. */
export type EntityQueries<S> = Record<string, EntityQueryHandler<S>>;

/** The function form of an entity. */
export interface EntitySpec<S, O extends EntityOperations<S>, Q extends EntityQueries<S>> {
  /** The state of an entity that has none yet (called for each new entity). */
  readonly initialState: () => S;
  /** Operations that may change the state. */
  readonly operations: O;
  /** Read-only operations. */
  readonly queries?: Q & EntityQueries<S>;
}

/** Arguments after the operation name for a handler with parameters `P` whose input is at `At`. */
type InputArgs<P extends readonly unknown[], At extends 0 | 1> = P["length"] extends (
  At extends 1 ? 0 | 1 : 0
)
  ? []
  : undefined extends P[At]
    ? [input?: P[At]]
    : [input: P[At]];

type SignatureOf<F, At extends 0 | 1> = F extends (...args: infer P) => infer R
  ? { readonly args: InputArgs<P, At>; readonly output: Awaited<R> }
  : never;

/** Adds the built-in `delete` operation (deletes the state) unless the entity defines its own. */
export type WithBuiltInDelete<M> = M &
  ("delete" extends keyof M
    ? unknown
    : { readonly delete: { readonly args: []; readonly output: undefined } });

/** The operation signatures of the function form. */
export type FunctionEntityOperations<O, Q> = WithBuiltInDelete<
  { [K in keyof O & string]: SignatureOf<O[K], 1> } & { [K in keyof Q & string]: SignatureOf<Q[K], 1> }
>;

type MethodKeys<T> = {
  [K in keyof T]: T[K] extends (...args: never[]) => unknown ? K : never;
}[keyof T] &
  string;

/** The operation signatures of the class form: its methods. */
export type ClassEntityOperations<T> = WithBuiltInDelete<{ [K in MethodKeys<T>]: SignatureOf<T[K], 0> }>;

/** The state of the class form: its fields. */
export type ClassEntityState<T> = {
  [K in keyof T as T[K] extends (...args: never[]) => unknown ? never : K]: T[K];
};

/** The operation signatures of an entity definition. */
export type OperationsOf<E> = E extends EntityDefinition<unknown, infer M> ? M : never;

/** The state type of an entity definition. */
export type EntityStateOf<E> = E extends EntityDefinition<infer S, unknown> ? S : never;

/** Operation names of an entity definition. */
export type OperationName<E> = keyof OperationsOf<E> & string;

/** The arguments after the operation name: `[]`, `[input?]` or `[input]`. */
export type OperationArgs<E, K extends OperationName<E>> = OperationsOf<E>[K] extends {
  readonly args: infer A extends readonly unknown[];
}
  ? A
  : never;

/** What an operation returns (what `callEntity` resolves to). */
export type OperationOutput<E, K extends OperationName<E>> = OperationsOf<E>[K] extends {
  readonly output: infer O;
}
  ? O
  : never;

/** The arguments after the operation name for `signalEntity`: the input, then options. */
export type SignalArgs<E, K extends OperationName<E>> =
  OperationArgs<E, K> extends []
    ? [input?: undefined, options?: SignalEntityOptions]
    : [...OperationArgs<E, K>, options?: SignalEntityOptions];
