/**
 * JSON payloads. Inputs, outputs and event data are serialized once, at the edge, and stored as JSON text.
 * @module
 */
import { InvalidArgumentError, PayloadTooLargeError, TaskHubError } from "./errors.js";
import { DEFAULT_MAX_PAYLOAD_BYTES } from "./limits.js";

/**
 * Serializes `value` to JSON text, or returns `undefined` for `undefined`. Every payload Taskhub stores passes here,
 * so this is where the payload limit is enforced.
 * @param what Names the payload in errors (`Output of activity 'Resize'`).
 * @param maxBytes Largest accepted size of the UTF-8 JSON text (`maxPayloadBytes`, default 16 MiB).
 * @throws InvalidArgumentError saying what could not be serialized (functions, symbols, BigInt, circular
 *   structures); {@link PayloadTooLargeError} when the text is larger than `maxBytes`.
 */
export function serialize(
  value: unknown,
  what: string,
  maxBytes: number = DEFAULT_MAX_PAYLOAD_BYTES,
): string | undefined {
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
  checkPayloadSize(text, what, maxBytes);
  return text;
}

/**
 * Checks that `text` is at most `maxBytes` bytes as UTF-8 (counted only when its length leaves a doubt: a UTF-16
 * code unit takes 1 to 3 bytes).
 * @throws PayloadTooLargeError naming `what`.
 */
export function checkPayloadSize(text: string, what: string, maxBytes: number): void {
  if (text.length * 3 <= maxBytes) return;
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > maxBytes) throw new PayloadTooLargeError(what, bytes, maxBytes);
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
