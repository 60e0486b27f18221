/**
 * Reads of instances by ID, batched: the reads asked for in one turn of the event loop go to the hub together, as one
 * `listInstances` query per {@link READ_BATCH} IDs (`InstanceFilter.instanceIds`) instead of one `getInstance` each.
 * A client that starts 10,000 instances and waits for each (one `waitForCompletion` per `startNew`) reads them in a
 * few dozen queries rather than 10,000 round trips; a lone read is still one `getInstance`.
 * @module
 */
import type { RuntimeStatus } from "../core/runtime-status.js";
import type { InstanceRecord, TaskHub } from "../task-hub/task-hub.js";

/** Instances read per query. */
export const READ_BATCH = 500;

/**
 * The records of `ids` (those that exist, and with one of `statuses` when given), one query per {@link READ_BATCH},
 * the queries one after another.
 */
export async function readInstances(
  hub: TaskHub,
  ids: readonly string[],
  statuses?: readonly RuntimeStatus[],
): Promise<InstanceRecord[]> {
  const records: InstanceRecord[] = [];
  for (let i = 0; i < ids.length; i += READ_BATCH) {
    const page = await hub.listInstances({
      instanceIds: ids.slice(i, i + READ_BATCH),
      ...(statuses ? { statuses } : {}),
      pageSize: READ_BATCH,
    });
    records.push(...page.instances);
  }
  return records;
}

interface PendingRead {
  readonly resolve: (record: InstanceRecord | undefined) => void;
  readonly reject: (error: unknown) => void;
}

/** One hub's batched reads. */
export class BatchedReads {
  readonly #pending = new Map<string, PendingRead[]>();
  #scheduled = false;

  constructor(private readonly hub: TaskHub) {}

  /** The instance's record (undefined when there is none), read with the other reads asked for in this turn. */
  read(instanceId: string): Promise<InstanceRecord | undefined> {
    return new Promise((resolve, reject) => {
      const waiting = this.#pending.get(instanceId);
      if (waiting) waiting.push({ resolve, reject });
      else this.#pending.set(instanceId, [{ resolve, reject }]);
      if (this.#scheduled) return;
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const batch = [...this.#pending];
    this.#pending.clear();
    if (batch.length === 1) {
      const [[id, readers]] = batch as [[string, PendingRead[]]];
      this.hub.getInstance(id).then(
        (record) => readers.forEach((r) => r.resolve(record)),
        (error: unknown) => readers.forEach((r) => r.reject(error)),
      );
      return;
    }
    // The batches' queries run side by side (a pool serves them in parallel).
    for (let i = 0; i < batch.length; i += READ_BATCH) {
      const part = batch.slice(i, i + READ_BATCH);
      readInstances(
        this.hub,
        part.map(([id]) => id),
      ).then(
        (records) => {
          const byId = new Map(records.map((record) => [record.instanceId, record]));
          for (const [id, readers] of part) for (const r of readers) r.resolve(byId.get(id));
        },
        (error: unknown) => {
          for (const [, readers] of part) for (const r of readers) r.reject(error);
        },
      );
    }
  }
}
