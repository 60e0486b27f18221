/**
 * Checks of instance filters shared by every backend.
 * @module
 */
import { InvalidArgumentError } from "../core/errors.js";

/** Most IDs in an `instanceIds` filter (`InstanceFilter.instanceIds`). */
export const MAX_INSTANCE_IDS = 1000;

/**
 * The `instanceIds` filter, checked (`undefined`: no such filter).
 * @throws InvalidArgumentError for more than {@link MAX_INSTANCE_IDS} IDs or an ID that is not a string.
 */
export function checkInstanceIds(ids: readonly string[] | undefined): readonly string[] | undefined {
  if (ids === undefined) return undefined;
  if (!Array.isArray(ids) || ids.length > MAX_INSTANCE_IDS || ids.some((id) => typeof id !== "string"))
    throw new InvalidArgumentError(
      `instanceIds must be an array of at most ${MAX_INSTANCE_IDS} instance IDs.`,
    );
  return ids;
}
