/**
 * The words of the messages about limits (errors and warnings), shared so that they say the same thing.
 * @module
 */

/** A limit of one orchestration execution. */
export type OrchestrationLimitName = "maxOrchestrationActions" | "maxHistoryEvents";

/** What the messages about execution limits advise. */
export const CONTINUE_AS_NEW_ADVICE =
  "An orchestration that loops for ever must call ctx.continueAsNew to start a fresh execution with an empty " +
  "history; a large fan-out can be split into sub-orchestrations.";

/** The unit of a limit: `actions` or `history events`. */
export function limitUnit(limit: OrchestrationLimitName): string {
  return limit === "maxOrchestrationActions" ? "actions" : "history events";
}

/** `16777216` as `16,777,216`. */
export function formatCount(value: number): string {
  return value.toLocaleString("en-US");
}
