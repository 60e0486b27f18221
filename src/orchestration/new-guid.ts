/**
 * Deterministic name-based UUIDs (RFC 4122 version 5), as Durable Functions' `NewGuid`.
 * @module
 */
import { createHash } from "node:crypto";

/** The namespace Durable Functions uses for orchestration GUIDs. */
const DURABLE_NAMESPACE = "9e952958-5e33-4daf-827f-2fa12937b875";

/** A version-5 UUID of `name` in `namespace` (both deterministic). */
export function uuidV5(name: string, namespace: string = DURABLE_NAMESPACE): string {
  const ns = Buffer.from(namespace.replaceAll("-", ""), "hex");
  const hash = createHash("sha1").update(ns).update(name, "utf8").digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
