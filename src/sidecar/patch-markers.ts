/**
 * Taskhub's patch markers (`PatchMarkerRecorded`, no protocol event of their own) as the protocol's `GenericEvent`:
 * its `data` is the JSON text `{"$taskhub":"PatchMarkerRecorded","patchId":...,"position":...}`. Only a
 * `GenericEvent` whose data is exactly that object reads back as a marker, so the encoding is unambiguous.
 * @module
 */
import type { PatchMarkerRecorded } from "../core/history-event.js";
import type { GenericEvent } from "./messages/history.js";

const TAG = "PatchMarkerRecorded";

/** The `GenericEvent` that carries a patch marker. */
export function patchMarkerToGenericEvent(event: PatchMarkerRecorded): GenericEvent {
  return {
    data: { value: JSON.stringify({ $taskhub: TAG, patchId: event.patchId, position: event.position }) },
  };
}

/**
 * The patch marker a `GenericEvent` carries, or `undefined` when it is not one of {@link patchMarkerToGenericEvent}'s.
 */
export function patchMarkerFromGenericEvent(
  event: GenericEvent,
): Pick<PatchMarkerRecorded, "patchId" | "position"> | undefined {
  if (!event.data) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(event.data.value);
  } catch {
    return undefined;
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) return undefined;
  const { $taskhub, patchId, position, ...rest } = data as Record<string, unknown>;
  if (
    $taskhub !== TAG ||
    typeof patchId !== "string" ||
    !Number.isInteger(position) ||
    Object.keys(rest).length > 0
  )
    return undefined;
  return { patchId, position: position as number };
}
