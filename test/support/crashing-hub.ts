/**
 * A task hub as seen by a worker whose process keeps crashing on some work: claims hand the worker only the items a
 * predicate lets through; the others are kept from it with their leases taken, which then expire, exactly as when
 * the process holding them dies. The fast paths are hidden, so that every work item reaches the worker through a
 * claim (the only way work reaches a restarted worker).
 */
import type {
  ActivityWorkItem,
  LockOptions,
  OrchestrationWorkItem,
  TaskHub,
} from "../../src/task-hub/task-hub.js";

/** Which claimed items "crash" their worker (they never reach it; their leases expire). */
export interface Crashes {
  readonly orchestration?: (item: OrchestrationWorkItem) => boolean;
  readonly activity?: (item: ActivityWorkItem) => boolean;
}

const FAST_PATHS = new Set([
  "completeOrchestrationsAndDispatch",
  "completeActivitiesAndDispatch",
  "createAndDispatch",
]);

/** `hub` with claims filtered by `crashes`; `crashed` lists the items kept from the worker, in order. */
export function crashingHub(
  hub: TaskHub,
  crashes: Crashes,
): { hub: TaskHub; crashed: (OrchestrationWorkItem | ActivityWorkItem)[] } {
  const crashed: (OrchestrationWorkItem | ActivityWorkItem)[] = [];
  const filter =
    <T extends OrchestrationWorkItem | ActivityWorkItem>(crashes: ((item: T) => boolean) | undefined) =>
    (items: T[]): T[] =>
      items.filter((item) => {
        if (!crashes?.(item)) return true;
        crashed.push(item);
        return false;
      });
  const proxy = new Proxy(hub, {
    get(target, prop, receiver) {
      if (typeof prop === "string" && FAST_PATHS.has(prop)) return undefined;
      if (prop === "lockOrchestrationWorkItems")
        return (options: LockOptions) =>
          target.lockOrchestrationWorkItems(options).then(filter(crashes.orchestration));
      if (prop === "lockActivityWorkItems")
        return (options: LockOptions) => target.lockActivityWorkItems(options).then(filter(crashes.activity));
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { hub: proxy, crashed };
}
