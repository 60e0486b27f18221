/**
 * The registry of an app's orchestrators, activities and entities: what the worker and client look functions up in.
 * Names are matched case-insensitively, as Durable Functions matches function names; the registered spelling is the
 * one recorded in history. HTTP and timer triggers are not functions of the engine: their tables live in the app
 * (`src/app/app-registry.ts`).
 * @module
 */
import { InvalidArgumentError } from "../core/errors.js";
import type { EntityDefinition } from "./entity-definition.js";
import type { ActivityDefinition, OrchestrationDefinition } from "./definitions.js";

/** A name → definition table for one kind of function. */
export class FunctionTable<D extends { readonly name: string }> {
  readonly #byKey = new Map<string, D>();

  constructor(private readonly kind: string) {}

  /** Adds a definition; a second definition with the same name (in any casing) is an error. */
  add(definition: D): D {
    validateFunctionName(definition.name, this.kind);
    const key = definition.name.toLowerCase();
    const existing = this.#byKey.get(key);
    if (existing)
      throw new InvalidArgumentError(`An ${this.kind} named '${existing.name}' is already registered.`);
    this.#byKey.set(key, definition);
    return definition;
  }

  /** The definition registered under `name` (any casing), or `undefined`. */
  get(name: string): D | undefined {
    return this.#byKey.get(name.toLowerCase());
  }

  /** Registered names, in registration order. */
  names(): string[] {
    return [...this.#byKey.values()].map((d) => d.name);
  }
}

/** The functions of one app that the engine runs. */
export class Registry {
  readonly orchestrations = new FunctionTable<OrchestrationDefinition>("orchestration");
  readonly activities = new FunctionTable<ActivityDefinition>("activity");
  /** Entities (`app.entity`). */
  readonly entities = new FunctionTable<EntityDefinition>("entity");
}

/** Throws {@link InvalidArgumentError} unless `name` is a usable function name. */
export function validateFunctionName(name: unknown, kind: string): asserts name is string {
  if (typeof name !== "string" || name.trim().length === 0)
    throw new InvalidArgumentError(`An ${kind} name must be a non-empty string.`);
  if (name.length > 256)
    throw new InvalidArgumentError(`The ${kind} name '${name.slice(0, 40)}…' is too long.`);
  // eslint-disable-next-line no-control-regex
  if (/[/\\?#@\u0000-\u001f]/.test(name))
    throw new InvalidArgumentError(
      `The ${kind} name ${JSON.stringify(name)} contains a character that is not allowed.`,
    );
}
