/**
 * The two forms of entity definitions (functions, class) and how each runs an operation.
 * @module
 */
import { validateFunctionName } from "./registry.js";
import { InvalidArgumentError } from "../core/errors.js";
import type {
  ClassEntityOperations,
  ClassEntityState,
  EntityDefinition,
  EntityImplementation,
  EntityOperations,
  EntityQueries,
  EntitySpec,
  FunctionEntityOperations,
  OperationScope,
  StateBox,
} from "./entity-definition.js";
import { EntityId } from "../core/entity-id.js";

type Handler = (state: unknown, input: unknown, ctx: unknown) => unknown;

/** Builds the definition of a function-form entity. @throws InvalidArgumentError for a malformed spec. */
export function functionEntity<S, O extends EntityOperations<S>, Q extends EntityQueries<S>>(
  name: string,
  spec: EntitySpec<S, O, Q>,
): EntityDefinition<S, FunctionEntityOperations<O, Q>> {
  validateFunctionName(name, "entity");
  if (typeof spec !== "object" || spec === null)
    throw new InvalidArgumentError(`Entity '${name}' needs { initialState, operations } or a class.`);
  if (typeof spec.initialState !== "function")
    throw new InvalidArgumentError(`Entity '${name}' needs an initialState function.`);
  const operations = handlers(name, "operations", spec.operations);
  const queries = handlers(name, "queries", spec.queries ?? {});
  for (const query of queries.keys())
    if (operations.has(query))
      throw new InvalidArgumentError(`Entity '${name}' has both an operation and a query named '${query}'.`);
  const initialState = spec.initialState as () => unknown;
  const implementation = implementationOf([...operations.keys(), ...queries.keys()], (operation) =>
    queries.has(operation),
  );
  return definition<S, FunctionEntityOperations<O, Q>>(name, {
    ...implementation,
    async execute(operation, state, input, scope) {
      const query = queries.get(operation);
      const value = state ? state.value : initialState();
      if (query) return { state, result: await query(value, input, scope.context) };
      const returned = await operations.get(operation)!(value, input, scope.context);
      if (returned !== undefined) return { state: { value: returned }, result: returned };
      return { state: scope.deleted ? undefined : { value }, result: undefined };
    },
  });
}

/** Builds the definition of a class-form entity. @throws InvalidArgumentError for a class without methods. */
export function classEntity<T extends object>(
  name: string,
  entityClass: new () => T,
): EntityDefinition<ClassEntityState<T>, ClassEntityOperations<T>> {
  validateFunctionName(name, "entity");
  if (typeof entityClass !== "function" || entityClass.prototype === undefined)
    throw new InvalidArgumentError(`Entity '${name}' needs a class with a no-argument constructor.`);
  const methods = methodNames(entityClass.prototype as object);
  if (methods.length === 0)
    throw new InvalidArgumentError(`The class of entity '${name}' has no methods: nothing to call.`);
  const implementation = implementationOf(methods, () => false);
  return definition<ClassEntityState<T>, ClassEntityOperations<T>>(name, {
    ...implementation,
    async execute(operation, state, input, scope: OperationScope) {
      const instance = new entityClass();
      if (state) Object.assign(instance, state.value);
      const method = (instance as Record<string, unknown>)[operation] as (i: unknown, c: unknown) => unknown;
      const result = await method.call(instance, input, scope.context);
      return { state: scope.deleted ? undefined : { value: instance }, result };
    },
  });
}

function definition<S, M>(name: string, implementation: EntityImplementation): EntityDefinition<S, M> {
  return {
    kind: "entity",
    name,
    operationNames: implementation.operationNames,
    id: (key: string) => new EntityId(name, key),
    implementation,
  };
}

function handlers(entity: string, what: string, table: unknown): Map<string, Handler> {
  if (typeof table !== "object" || table === null)
    throw new InvalidArgumentError(`The ${what} of entity '${entity}' must be an object of functions.`);
  const out = new Map<string, Handler>();
  for (const [operation, handler] of Object.entries(table)) {
    if (typeof handler !== "function")
      throw new InvalidArgumentError(`${what} '${operation}' of entity '${entity}' is not a function.`);
    checkOperationName(entity, operation);
    out.set(operation, handler as Handler);
  }
  if (what === "operations" && out.size === 0)
    throw new InvalidArgumentError(`Entity '${entity}' has no operations.`);
  return out;
}

function checkOperationName(entity: string, operation: string): void {
  if (operation.length === 0 || operation.length > 256 || operation.trim() !== operation)
    throw new InvalidArgumentError(
      `Entity '${entity}' has an invalid operation name ${JSON.stringify(operation)}.`,
    );
}

function methodNames(prototype: object): string[] {
  const names = new Set<string>();
  for (
    let p: object | null = prototype;
    p && p !== Object.prototype;
    p = Object.getPrototypeOf(p) as object
  ) {
    for (const key of Object.getOwnPropertyNames(p)) {
      if (key === "constructor") continue;
      const descriptor = Object.getOwnPropertyDescriptor(p, key);
      if (descriptor && typeof descriptor.value === "function") names.add(key);
    }
  }
  return [...names];
}

function implementationOf(
  names: readonly string[],
  isQuery: (operation: string) => boolean,
): Omit<EntityImplementation, "execute"> {
  const lower = new Map<string, string>();
  for (const n of names) if (!lower.has(n.toLowerCase())) lower.set(n.toLowerCase(), n);
  return {
    operationNames: names,
    resolve: (operation) => (names.includes(operation) ? operation : lower.get(operation.toLowerCase())),
    isQuery,
  };
}

/** @internal The state box of stored JSON text (`undefined`: no state). */
export function stateBoxOf(text: string | undefined): StateBox {
  return text === undefined ? undefined : { value: JSON.parse(text) as unknown };
}
