/**
 * JSON payloads. Inputs, outputs and event data are serialized once, at the edge, and stored as JSON text.
 * @module
 */
import { InvalidArgumentError, TaskHubError } from "./errors.js";

/**
 * Serializes `value` to JSON text, or returns `undefined` for `undefined`. Throws {@link InvalidArgumentError}
 * saying what could not be serialized (functions, symbols, BigInt, circular structures).
 */
export function serialize(value: unknown, what: string): string | undefined {
  if (value === undefined) return undefined;
  const kind = typeof value;
  if (kind === "function" || kind === "symbol")
    throw new InvalidArgumentError(`${what} cannot be serialized to JSON: it is a ${kind}.`);
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new InvalidArgumentError(
      `${what} cannot be serialized to JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (text === undefined) throw new InvalidArgumentError(`${what} cannot be serialized to JSON.`);
  return text;
}

/**
 * Parses stored JSON text; `undefined` stays `undefined`. Throws {@link TaskHubError} naming the payload when the
 * stored text is corrupted.
 */
export function deserialize<T = unknown>(text: string | undefined | null, what: string): T {
  if (text === undefined || text === null) return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new TaskHubError(
      `${what} is not valid JSON (corrupted payload?): ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
