/**
 * A task hub seen through a window: every call made on it is reported (so the test environment looks at the hub's
 * work right after anything could have changed it), and its subscribers can be woken (so a worker looks for work at
 * once after virtual time jumped). Calls go to the hub unchanged.
 * @module
 */
import type { TaskHub, TaskHubNotice } from "../task-hub/task-hub.js";

/** What {@link observeHub} returns. */
export interface ObservedHub<H extends TaskHub> {
  /** The hub to give the worker and the client: `hub` itself, every call reported. */
  readonly hub: H;
  /** Tells every subscriber of {@link hub} that orchestration and activity work may be due now. */
  wake(): void;
}

/** Wraps `hub`; `onCall` runs after each method call on the wrapper returned (synchronously, after the call began). */
export function observeHub<H extends TaskHub>(hub: H, onCall: () => void): ObservedHub<H> {
  const listeners = new Set<(notice: TaskHubNotice) => void>();
  const subscribe = (listener: (notice: TaskHubNotice) => void): (() => void) => {
    listeners.add(listener);
    const unsubscribe = hub.subscribe(listener);
    return () => {
      listeners.delete(listener);
      unsubscribe();
    };
  };
  const observed = new Proxy(hub, {
    get(target, property) {
      if (property === "subscribe") return subscribe;
      const value: unknown = Reflect.get(target, property);
      if (typeof value !== "function") return value;
      return (...args: unknown[]): unknown => {
        try {
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        } finally {
          onCall();
        }
      };
    },
  });
  const wake = (): void => {
    for (const listener of [...listeners]) {
      listener({ kind: "orchestration-work" });
      listener({ kind: "activity-work" });
    }
  };
  return { hub: observed, wake };
}
