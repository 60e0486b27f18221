/**
 * Guards: on databases with stored procedures (PostgreSQL), a write checks its precondition with a function (created by
 * migration `0003_lease_guards`) that raises {@link GUARD_FAILED} when it does not hold:
 * - `check_instance_leases` / `check_activity_leases`: a completion's leases are held (the functions also lock the rows
 *   the completion writes);
 * - `expect_count`: a statement changed the expected number of rows (a new instance's ID was free).
 *
 * The check then needs no answer before the writes: the check, the writes, the notifications and the `COMMIT` go to
 * the server in one round trip, and a failed check rolls everything back. The caller then writes again the slow way,
 * reading first, to find out what to do (a rare path: a lease lost after a takeover, an instance ID in use).
 * @module
 */
import { GUARD_FAILED } from "./dialect.js";

/** True for the error a guard raises when its precondition does not hold. */
export function isGuardFailure(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === GUARD_FAILED;
}
