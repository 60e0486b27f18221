/**
 * The critical section an SDK orchestration leaves open when its execution ends. The SDKs release a section's locks
 * only when the code calls `release()`; an execution that completes, fails, is terminated or continues as new inside
 * a section (or while its locks are being acquired) would leave its entities locked. The engine releases them, as for
 * local orchestrations (`EpisodeResult.locksToRelease`), from what the history and the last response recorded.
 * @module
 */
import type { HistoryEvent } from "../core/history-event.js";
import type { OrchestratorAction } from "../orchestration/actions.js";
import type { LocksToRelease } from "../orchestration/episode.js";

interface Section {
  readonly criticalSectionId: string;
  readonly lockSet: readonly string[];
  granted: boolean;
  readonly released: Set<string>;
}

/**
 * The section open after `history` (the execution's past and new events) and the episode's `actions`, if any: the
 * last lock request whose entities were not all released.
 */
export function openCriticalSection(
  history: readonly HistoryEvent[],
  actions: readonly OrchestratorAction[],
): LocksToRelease | undefined {
  let section: Section | undefined;
  const lock = (criticalSectionId: string, lockSet: readonly string[]): void => {
    section = { criticalSectionId, lockSet, granted: false, released: new Set() };
  };
  const unlock = (criticalSectionId: string, target: string): void => {
    if (section?.criticalSectionId !== criticalSectionId) return;
    section.released.add(target);
    if (section.lockSet.every((id) => section!.released.has(id))) section = undefined;
  };
  for (const event of history)
    if (event.type === "EntityLockRequested" && event.eventId >= 0)
      lock(event.criticalSectionId, event.lockSet);
    else if (event.type === "EntityLockGranted" && section?.criticalSectionId === event.criticalSectionId)
      section.granted = true;
    else if (event.type === "EntityUnlockSent" && event.eventId >= 0)
      unlock(event.criticalSectionId, event.targetInstanceId);
  for (const action of actions)
    if (action.type === "LockEntities") lock(action.criticalSectionId, action.lockSet);
    else if (action.type === "UnlockEntity") unlock(action.criticalSectionId, action.targetInstanceId);
  const open = section as Section | undefined;
  return open
    ? { criticalSectionId: open.criticalSectionId, lockSet: open.lockSet, granted: open.granted }
    : undefined;
}
