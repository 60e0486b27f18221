/**
 * The instance row as an orchestration step's commit leaves it, computed without a read: what backends put in the
 * in-process notice of a finished instance, and what a worker continues from when it keeps the lease.
 * @module
 */
import type { InstanceRecord, OrchestrationCompletion } from "./task-hub.js";

/**
 * The instance after `completion` committed, given the length of its stored history before the step and the commit's
 * time.
 */
export function instanceAfterStep(
  completion: OrchestrationCompletion,
  storedLength: number,
  now: number,
): InstanceRecord {
  const s = completion.instance;
  const base = completion.replaceHistory ? 0 : storedLength;
  return {
    ...completion.workItem.instance,
    name: s.name,
    executionId: s.executionId,
    status: s.status,
    input: s.input,
    output: s.output,
    failure: s.failure,
    customStatus: s.customStatus,
    completedAt: s.completedAt,
    lastUpdatedAt: now,
    historyLength: base + completion.newHistory.length,
  };
}
