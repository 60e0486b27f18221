/**
 * Instance ID rules, as Durable Functions enforces them.
 * @module
 */
import { randomUUID } from "node:crypto";
import { InvalidArgumentError } from "./errors.js";

/** Longest allowed instance ID. */
export const MAX_INSTANCE_ID_LENGTH = 256;

// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[/\\?#\u0000-\u001f\u007f-\u009f]/;

/**
 * Throws {@link InvalidArgumentError} naming the problem when `id` is not a valid instance ID: empty, longer than
 * 256 characters, starting with `@` (reserved for entities), or containing `/ \ ? #` or control characters.
 */
export function validateInstanceId(id: unknown): asserts id is string {
  if (typeof id !== "string")
    throw new InvalidArgumentError(`Instance ID must be a string, got ${typeof id}.`);
  if (id.length === 0) throw new InvalidArgumentError("Instance ID must not be empty.");
  if (id.trim().length === 0) throw new InvalidArgumentError("Instance ID must not be only white space.");
  if (id.length > MAX_INSTANCE_ID_LENGTH)
    throw new InvalidArgumentError(
      `Instance ID is ${id.length} characters long; the maximum is ${MAX_INSTANCE_ID_LENGTH}.`,
    );
  if (id.startsWith("@"))
    throw new InvalidArgumentError(`Instance ID '${id}' must not start with '@' (reserved for entity IDs).`);
  const bad = FORBIDDEN.exec(id);
  if (bad)
    throw new InvalidArgumentError(
      `Instance ID ${JSON.stringify(id)} contains the forbidden character ${JSON.stringify(bad[0])} ` +
        `('/', '\\', '?', '#' and control characters are not allowed).`,
    );
}

/** A new random instance ID: 32 hex characters, as Durable Functions' default. */
export function newInstanceId(): string {
  return randomUUID().replaceAll("-", "");
}
