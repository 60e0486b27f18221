/**
 * What the memory hub stores: instances (row, history, inbox, lease), the activity queue, workers seen. Plain data;
 * the hub (`memory-task-hub.ts`) changes it synchronously inside each method, so every write is atomic.
 * @module
 */
import type { HistoryEvent } from "../core/history-event.js";
import type { InboxMessage, InstanceRecord, NewActivityMessage } from "../core/records.js";
import type { WorkerInfo } from "../task-hub/health.js";

/** A lease on an instance or an activity message. */
export interface Lease {
  readonly token: string;
  readonly workerId: string;
  readonly expiresAt: number;
}

/** One instance: its row, the current execution's history, its inbox and its lease. */
export interface StoredInstance {
  /** The row; replaced (never mutated) on every change, so records handed out stay as they were. */
  record: InstanceRecord;
  history: HistoryEvent[];
  /** In arrival order (increasing `id`). */
  inbox: InboxMessage[];
  lease?: Lease | undefined;
  /** Times leased since the last committed step, minus the leases released (see `OrchestrationWorkItem.deliveryCount`). */
  deliveries: number;
}

/** One activity message of the queue. */
export interface StoredActivity {
  readonly id: number;
  readonly message: NewActivityMessage;
  visibleAt: number;
  /** Times handed to a worker so far, minus the leases released (see `ActivityWorkItem.deliveryCount`). */
  deliveries: number;
  /** JSON text of the last heartbeat details stored by a delivery (`renewActivityWorkItem`). */
  heartbeatDetails?: string | undefined;
  lease?: Lease | undefined;
}

/** The whole hub. */
export interface MemoryStore {
  readonly instances: Map<string, StoredInstance>;
  readonly activities: Map<number, StoredActivity>;
  readonly workers: Map<string, WorkerInfo>;
  /** The next inbox message / activity ID. */
  nextId: number;
  leaseTakeovers: number;
  /** Work items quarantined as poison work (commits with `quarantined` set). */
  quarantinedWorkItems: number;
}

/** An empty store. */
export function emptyStore(): MemoryStore {
  return {
    instances: new Map(),
    activities: new Map(),
    workers: new Map(),
    nextId: 1,
    leaseTakeovers: 0,
    quarantinedWorkItems: 0,
  };
}

/** Whether `lease` is held at `now` (a lease is held through its expiry time, as in the SQL hubs). */
export function isHeld(lease: Lease | undefined, now: number): lease is Lease {
  return lease !== undefined && lease.expiresAt >= now;
}
