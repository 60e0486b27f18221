/**
 * The replay check over a task hub (`taskhub replay-check`): pages through the selected instances with
 * `listInstances`, reads their histories a page at a time and replays each against the app's current code
 * (`orchestration/replay-check.ts`). It only reads the hub.
 * @module
 */
import { ACTIVE_STATUSES, type RuntimeStatus } from "../core/runtime-status.js";
import type { InstanceRecord } from "../core/records.js";
import type { SessionOptions } from "../orchestration/orchestration-session.js";
import {
  replayHistory,
  ReplayTally,
  type DivergedResult,
  type ReplayResult,
  type ReplaySummary,
  type SkippedResult,
} from "../orchestration/replay-check.js";
import type { TaskHub } from "../task-hub/task-hub.js";

/** Which instances to replay. */
export interface HubReplaySelection {
  /** Default: every instance not finished (Pending, Running, Suspended, ContinuedAsNew). */
  readonly statuses?: readonly RuntimeStatus[] | undefined;
  /** Only instances of this orchestrator (any casing); entities are then left out. */
  readonly name?: string | undefined;
  /** Only instances created at or after this time (epoch ms). */
  readonly createdFrom?: number | undefined;
  /** At most this many orchestration instances (entities, skipped, do not count). */
  readonly limit?: number | undefined;
}

/** How the check reads the hub, and where it reports each result. */
export interface HubReplayReading {
  /** Called with each result as it is known, in listing order. */
  readonly onResult?: ((result: ReplayResult) => void) | undefined;
  /** Instances listed per page (default {@link REPLAY_PAGE_SIZE}). */
  readonly pageSize?: number | undefined;
  /** Most history events read and replayed at once (default {@link REPLAY_BATCH_EVENTS}). */
  readonly batchEvents?: number | undefined;
}

/** What the check found. */
export interface HubReplayReport {
  readonly summary: ReplaySummary;
  /** Every diverging instance, in listing order (creation time, then ID). */
  readonly diverged: readonly DivergedResult[];
  /** Every skipped instance but entities (those are only counted), in listing order. */
  readonly skipped: readonly SkippedResult[];
}

/** Instances listed per page, whose histories are then read and replayed together (in batches of events). */
export const REPLAY_PAGE_SIZE = 500;

/** Most history events read and replayed at once (a page is split into batches by its instances' history lengths). */
export const REPLAY_BATCH_EVENTS = 100_000;

/**
 * Replays the histories of the instances of `hub` that `selection` picks against the orchestrators of `options`: a
 * page of instances is listed, then their histories are read and replayed together, a batch of events at a time.
 * Storage errors propagate.
 */
export async function replayHubInstances(
  hub: TaskHub,
  options: SessionOptions,
  selection: HubReplaySelection = {},
  reading: HubReplayReading = {},
): Promise<HubReplayReport> {
  const { onResult, pageSize = REPLAY_PAGE_SIZE, batchEvents = REPLAY_BATCH_EVENTS } = reading;
  const tally = new ReplayTally();
  const diverged: DivergedResult[] = [];
  const skipped: SkippedResult[] = [];
  const name = selection.name?.toLowerCase();
  let left = selection.limit ?? Infinity;
  let token: string | undefined;
  do {
    const page = await hub.listInstances({
      statuses: selection.statuses ?? ACTIVE_STATUSES,
      createdFrom: selection.createdFrom,
      excludeEntities: name !== undefined,
      includePayloads: false,
      pageSize,
      continuationToken: token,
    });
    token = page.continuationToken;
    const picked: InstanceRecord[] = [];
    for (const instance of page.instances) {
      if (name !== undefined && instance.name.toLowerCase() !== name) continue;
      if (!instance.instanceId.startsWith("@") && left-- <= 0) {
        token = undefined;
        break;
      }
      picked.push(instance);
    }
    for (const batch of batches(picked, batchEvents)) {
      const results = await Promise.all(batch.map((instance) => replayInstance(hub, options, instance)));
      for (const result of results) {
        tally.add(result);
        if (result.kind === "diverged") diverged.push(result);
        else if (result.kind === "skipped" && result.reason !== "entity") skipped.push(result);
        onResult?.(result);
      }
    }
  } while (token !== undefined);
  return { summary: tally.summary(), diverged, skipped };
}

/** `instances` in order, cut into batches of at most `most` history events (or one instance). */
function* batches(instances: readonly InstanceRecord[], most: number): Generator<InstanceRecord[]> {
  let batch: InstanceRecord[] = [];
  let events = 0;
  for (const instance of instances) {
    if (batch.length > 0 && events + instance.historyLength > most) {
      yield batch;
      batch = [];
      events = 0;
    }
    batch.push(instance);
    events += instance.historyLength;
  }
  if (batch.length > 0) yield batch;
}

async function replayInstance(
  hub: TaskHub,
  options: SessionOptions,
  instance: InstanceRecord,
): Promise<ReplayResult> {
  // Entities and instances that have not started have nothing to replay: their history is not read.
  const unread = instance.instanceId.startsWith("@") || instance.historyLength === 0;
  const history = unread ? [] : await hub.getHistory(instance.instanceId);
  return replayHistory(history, options, instance);
}
