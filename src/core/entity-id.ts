/**
 * Entity IDs: an entity is addressed by (name, key). The name is case-insensitive and stored lower-cased; the string
 * form `@name@key` is the instance ID under which the entity lives in the task hub, as in Durable Functions.
 * @module
 */
import { InvalidArgumentError } from "./errors.js";
import { MAX_INSTANCE_ID_LENGTH } from "./instance-id.js";

/** Anything that names an entity: a definition (`app.entity(...)`) or its name. */
export type EntityRef = string | { readonly kind: "entity"; readonly name: string };

// eslint-disable-next-line no-control-regex
const FORBIDDEN_IN_KEY = /[/\\?#\u0000-\u001f\u007f-\u009f]/;
// eslint-disable-next-line no-control-regex
const FORBIDDEN_IN_NAME = /[@/\\?#\u0000-\u001f\u007f-\u009f]/;

/** The ID of one entity. Compare IDs with {@link EntityId.toString} (or `equals`). */
export class EntityId {
  /** The entity name, lower-cased. */
  readonly name: string;
  /** The key within the name (case-sensitive). */
  readonly key: string;

  /**
   * Validates and builds an ID.
   * @throws InvalidArgumentError for an empty name, a name with `@`, or a key with `/ \ ? #` or control characters.
   */
  constructor(name: string, key: string) {
    this.name = checkName(name);
    this.key = checkKey(key, this.name);
  }

  /** Parses the `@name@key` form. @throws InvalidArgumentError when `instanceId` is not an entity ID. */
  static parse(instanceId: string): EntityId {
    const at = typeof instanceId === "string" ? instanceId.indexOf("@", 1) : -1;
    if (at < 0 || !instanceId.startsWith("@"))
      throw new InvalidArgumentError(`'${String(instanceId)}' is not an entity ID (expected '@name@key').`);
    return new EntityId(instanceId.slice(1, at), instanceId.slice(at + 1));
  }

  /** True when `instanceId` has the entity form `@name@key`. */
  static isEntityInstanceId(instanceId: string): boolean {
    return instanceId.startsWith("@") && instanceId.indexOf("@", 1) > 1;
  }

  /** The instance ID, `@name@key`. */
  toString(): string {
    return `@${this.name}@${this.key}`;
  }

  /** JSON form, as Durable Functions writes it: `{ "name": ..., "key": ... }`. */
  toJSON(): { name: string; key: string } {
    return { name: this.name, key: this.key };
  }

  /** True when both IDs address the same entity. */
  equals(other: EntityId): boolean {
    return this.name === other.name && this.key === other.key;
  }
}

/**
 * The ID of entity `key` of `entity` (a definition or a name).
 * @example
 * ctx.lockEntities(entityId(account, "alice"), entityId("Account", "bob"));
 */
export function entityId(entity: EntityRef, key: string): EntityId {
  return new EntityId(entityNameOf(entity), key);
}

/** The name of an entity reference. @throws InvalidArgumentError when it is neither a definition nor a name. */
export function entityNameOf(entity: EntityRef): string {
  const name = typeof entity === "string" ? entity : (entity as { name?: unknown } | undefined)?.name;
  if (typeof name !== "string" || name.length === 0)
    throw new InvalidArgumentError(
      "An entity must be given as a definition (app.entity) or a non-empty name.",
    );
  return name;
}

function checkName(name: unknown): string {
  if (typeof name !== "string" || name.trim().length === 0)
    throw new InvalidArgumentError("An entity name must be a non-empty string.");
  const bad = FORBIDDEN_IN_NAME.exec(name);
  if (bad)
    throw new InvalidArgumentError(
      `The entity name ${JSON.stringify(name)} contains the forbidden character ${JSON.stringify(bad[0])}.`,
    );
  return name.toLowerCase();
}

function checkKey(key: unknown, name: string): string {
  if (typeof key !== "string")
    throw new InvalidArgumentError(
      `An entity key must be a string, got ${key === null ? "null" : typeof key}.`,
    );
  const bad = FORBIDDEN_IN_KEY.exec(key);
  if (bad)
    throw new InvalidArgumentError(
      `The entity key ${JSON.stringify(key)} contains the forbidden character ${JSON.stringify(bad[0])} ` +
        `('/', '\\', '?', '#' and control characters are not allowed).`,
    );
  const length = name.length + key.length + 2;
  if (length > MAX_INSTANCE_ID_LENGTH)
    throw new InvalidArgumentError(
      `The entity ID '@${name}@${key.slice(0, 40)}…' is ${length} characters long; ` +
        `the maximum is ${MAX_INSTANCE_ID_LENGTH}.`,
    );
  return key;
}
