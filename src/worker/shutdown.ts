/**
 * A worker's graceful stop, once it no longer takes work: its loops end, held instances are released, in-flight
 * episodes and activities get the grace period to finish, what still runs after it is released for another worker,
 * pending commits are flushed, and the final heartbeat says the worker stopped.
 * @module
 */
import type { ActivityWorkItem } from "../core/records.js";
import type { TaskHub } from "../task-hub/task-hub.js";
import { delay } from "./dispatch-loop.js";
import type { Heartbeat } from "./heartbeat.js";
import type { HeldInstances } from "./held-instances.js";
import type { SessionCache } from "./session-cache.js";
import type { WorkSignal } from "./work-signal.js";

/** What a worker's stop works on. */
export interface ShutdownParts {
  readonly hub: TaskHub;
  /** How long running work may take to finish before it is released. */
  readonly shutdownTimeoutMs: number;
  /** The loops' signals, disposed so that waiting loops wake and see the worker stopped. */
  readonly signals: readonly WorkSignal[];
  /** The dispatch loops, which end once woken. */
  readonly loops: readonly Promise<void>[];
  readonly held: HeldInstances;
  /** Episodes in flight. */
  readonly episodes: Iterable<Promise<void>>;
  /** Activities in flight. */
  readonly activities: ReadonlyMap<ActivityWorkItem, Promise<void>>;
  /** Aborted when the grace period is over (activities see it, results still to come are dropped). */
  readonly abort: AbortController;
  /** The group commits, flushed last. */
  readonly commits: readonly { drain(): Promise<void> }[];
  readonly cache: SessionCache;
  readonly heartbeat: Heartbeat;
}

/**
 * Lets in-flight episodes and activities finish (up to `shutdownTimeoutMs`), then releases what is still running so
 * another worker can take it over at once. Called once the worker's `running` flag is off and it is unsubscribed.
 */
export async function shutDown(parts: ShutdownParts): Promise<void> {
  const { hub, activities } = parts;
  for (const signal of parts.signals) signal.dispose();
  parts.held.releaseAll();
  await Promise.all(parts.loops);
  const deadline = delay(parts.shutdownTimeoutMs);
  const everything = Promise.all([...parts.episodes, ...activities.values()]);
  const finished = await Promise.race([everything.then(() => true), deadline.promise.then(() => false)]);
  deadline.cancel();
  if (!finished) {
    parts.abort.abort(new Error("The worker is shutting down."));
    await Promise.all(
      [...activities.keys()].map((item) => hub.abandonWorkItem(item, 0).catch(() => undefined)),
    );
  }
  for (const commits of parts.commits) await commits.drain();
  parts.cache.clear();
  await parts.heartbeat.stop();
}
