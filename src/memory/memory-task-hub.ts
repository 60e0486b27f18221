/**
 * {@link memoryTaskHub}: a task hub in this process's memory, written against the plain {@link TaskHub} contract
 * alone (plus {@link TaskHubHealth} and {@link TaskHubAnalytics}). It is the reference a new backend is read against, and a hub for tests and
 * demos: nothing survives the process. No fast paths: its workers run the plain path (claim, run, complete).
 *
 * Every method validates its arguments, then changes the store synchronously (no `await` in between), so each write
 * is atomic and concurrent calls never see half of one. Time is read from the hub's clock only.
 * @module
 */
import { checkOptions } from "../core/options.js";
import { randomUUID } from "node:crypto";
import {
  InstanceAlreadyExistsError,
  InstanceNotFoundError,
  InvalidArgumentError,
  WorkItemLockLostError,
} from "../core/errors.js";
import type { HistoryEvent } from "../core/history-event.js";
import {
  isActivityWorkItem,
  type ActivityCompletion,
  type ActivityWorkItem,
  type CompletionOutcome,
  type InstanceRecord,
  type NewInboxMessage,
  type NewInstance,
  type OrchestrationCompletion,
  type OrchestrationWorkItem,
} from "../core/records.js";
import { isTerminalStatus, type RuntimeStatus } from "../core/runtime-status.js";
import { systemClock, type Clock } from "../task-hub/clock.js";
import type { TaskHubHealth, TaskHubStats, WorkerHeartbeat } from "../task-hub/health.js";
import type { AnalyticsQuery, HubAnalytics, TaskHubAnalytics } from "../task-hub/analytics.js";
import { instanceAfterStep, pendingInstance, refusedSubOrchestration } from "../task-hub/instance-records.js";
import type {
  AbandonOptions,
  InstancePage,
  InstanceQuery,
  LockOptions,
  TaskHub,
  TaskHubNotice,
} from "../task-hub/task-hub.js";
import { memoryAnalytics } from "./memory-analytics.js";
import { byCreation, matcher, page, type PurgeFilter } from "./memory-queries.js";
import { emptyStore, isHeld, type MemoryStore, type StoredInstance } from "./memory-store.js";

/** The most inbox messages one orchestration work item carries (as the SQL hubs). */
export const MEMORY_MAX_MESSAGES_PER_WORK_ITEM = 1000;
/** Workers not seen for this long are forgotten. */
const WORKER_RETENTION_MS = 24 * 60 * 60 * 1000;

/** Options of {@link memoryTaskHub}. */
export interface MemoryTaskHubOptions {
  /** Where the hub reads time (leases, visibility, timers). Default: the system clock. */
  readonly clock?: Clock | undefined;
  /** For logs (default `memory`). */
  readonly description?: string | undefined;
}

/** What {@link MemoryTaskHub.workState} reports. */
export interface MemoryWorkState {
  /**
   * True when work can run now or is running: a message (inbox or activity) visible at the current time, or a lease
   * held on an instance or an activity.
   */
  readonly busy: boolean;
  /**
   * The earliest time a message that is not visible yet becomes visible (a durable timer, a delayed start or entity
   * signal, a retry, abandoned work), if any.
   */
  readonly nextDueAt: number | undefined;
}

/**
 * A new, empty task hub in memory.
 * @throws InvalidArgumentError for an unknown option or an option of the wrong type.
 */
export function memoryTaskHub(options: MemoryTaskHubOptions = {}): MemoryTaskHub {
  checkOptions("memoryTaskHub", options, { clock: "object", description: "string" });
  return new MemoryTaskHub(options);
}

/** The in-memory task hub (see the module). */
export class MemoryTaskHub implements TaskHub, TaskHubHealth, TaskHubAnalytics {
  readonly description: string;
  readonly clock: Clock;
  /** Always true: no other process can reach this hub, so every finish is notified here. */
  readonly noticesComplete = true;
  readonly #store: MemoryStore = emptyStore();
  readonly #listeners = new Set<(notice: TaskHubNotice) => void>();

  constructor(options: MemoryTaskHubOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.description = options.description ?? "memory";
  }

  async init(): Promise<void> {}

  async close(): Promise<void> {}

  async createInstance(instance: NewInstance): Promise<void> {
    checkNewInstance(instance);
    const now = this.clock.now();
    const existing = this.#store.instances.get(instance.event.instanceId);
    if (existing && !isTerminalStatus(existing.record.status))
      throw new InstanceAlreadyExistsError(instance.event.instanceId, existing.record.status);
    const notices: TaskHubNotice[] = [];
    this.#create(instance, now, notices);
    this.#emit(notices);
  }

  async appendInboxMessage(message: NewInboxMessage): Promise<void> {
    if (typeof message?.instanceId !== "string" || typeof message.event?.type !== "string")
      throw new InvalidArgumentError("An inbox message needs an instanceId and an event with a type.");
    const now = this.clock.now();
    if (!this.#deliver(message, now)) throw new InstanceNotFoundError(message.instanceId);
    const stored = this.#store.instances.get(message.instanceId);
    if (message.event.type === "ExecutionRewound" && stored?.record.status === "Failed")
      stored.record = { ...stored.record, status: "Pending", failure: undefined, lastUpdatedAt: now };
    this.#emit([{ kind: "orchestration-work", visibleAt: message.visibleAt ?? now }]);
  }

  async getInstance(instanceId: string): Promise<InstanceRecord | undefined> {
    return this.#store.instances.get(instanceId)?.record;
  }

  async getHistory(instanceId: string): Promise<HistoryEvent[]> {
    return [...(this.#store.instances.get(instanceId)?.history ?? [])];
  }

  async listInstances(query: InstanceQuery): Promise<InstancePage> {
    return page(
      [...this.#store.instances.values()].map((i) => i.record),
      query,
    );
  }

  async purgeInstances(filter: PurgeFilter): Promise<number> {
    const matches = matcher(filter);
    const finished = (r: InstanceRecord) => isTerminalStatus(r.status);
    const records = [...this.#store.instances.values()].map((i) => i.record);
    const doomed = new Set(records.filter((r) => finished(r) && matches(r)).map((r) => r.instanceId));
    // Their finished sub-orchestrations, at any depth.
    for (let grew = true; grew;) {
      grew = false;
      for (const r of records)
        if (
          !doomed.has(r.instanceId) &&
          finished(r) &&
          r.parentInstanceId &&
          doomed.has(r.parentInstanceId)
        ) {
          doomed.add(r.instanceId);
          grew = true;
        }
    }
    for (const id of doomed) this.#delete(id);
    return doomed.size;
  }

  async lockOrchestrationWorkItems(options: LockOptions): Promise<OrchestrationWorkItem[]> {
    checkLockOptions(options);
    const now = this.clock.now();
    const ready: { instance: StoredInstance; at: number }[] = [];
    for (const instance of this.#store.instances.values()) {
      if (isHeld(instance.lease, now)) continue;
      const at = earliestVisible(instance, now);
      if (at !== undefined) ready.push({ instance, at });
    }
    ready.sort((a, b) => a.at - b.at || byCreation(a.instance.record, b.instance.record));
    return ready.slice(0, options.max).map(({ instance }) => {
      const takenOverFrom = instance.lease?.workerId;
      this.#countTakeover(instance.lease, options.workerId, now);
      const lockToken = randomUUID();
      const lockExpiresAt = now + options.leaseMs;
      instance.lease = { token: lockToken, workerId: options.workerId, expiresAt: lockExpiresAt };
      instance.deliveries++;
      const messages = instance.inbox
        .filter((m) => m.visibleAt <= now)
        .slice(0, MEMORY_MAX_MESSAGES_PER_WORK_ITEM);
      return {
        instanceId: instance.record.instanceId,
        lockToken,
        lockExpiresAt,
        instance: instance.record,
        messages,
        corruptMessages: [], // nothing is ever serialized: no row can be corrupted
        deliveryCount: instance.deliveries,
        ...(takenOverFrom !== undefined ? { takenOverFrom } : {}),
      };
    });
  }

  async completeOrchestrationWorkItems(
    completions: readonly OrchestrationCompletion[],
  ): Promise<readonly CompletionOutcome[]> {
    const now = this.clock.now();
    const notices: TaskHubNotice[] = [];
    const outcomes = completions.map((completion) => this.#commitStep(completion, now, notices));
    this.#emit(notices);
    return outcomes;
  }

  async lockActivityWorkItems(options: LockOptions): Promise<ActivityWorkItem[]> {
    checkLockOptions(options);
    const now = this.clock.now();
    const ready = [...this.#store.activities.values()]
      .filter((a) => a.visibleAt <= now && !isHeld(a.lease, now))
      .sort((a, b) => a.visibleAt - b.visibleAt || a.id - b.id)
      .slice(0, options.max);
    return ready.map((activity) => {
      const takenOverFrom = activity.lease?.workerId;
      this.#countTakeover(activity.lease, options.workerId, now);
      const lockToken = randomUUID();
      const lockExpiresAt = now + options.leaseMs;
      activity.lease = { token: lockToken, workerId: options.workerId, expiresAt: lockExpiresAt };
      activity.deliveries++;
      return {
        ...activity.message,
        visibleAt: activity.visibleAt,
        id: activity.id,
        lockToken,
        lockExpiresAt,
        deliveryCount: activity.deliveries,
        ...(takenOverFrom !== undefined ? { takenOverFrom } : {}),
        ...(activity.heartbeatDetails !== undefined ? { heartbeatDetails: activity.heartbeatDetails } : {}),
      };
    });
  }

  async completeActivityWorkItems(
    completions: readonly ActivityCompletion[],
  ): Promise<readonly CompletionOutcome[]> {
    const now = this.clock.now();
    let delivered = false;
    const outcomes = completions.map(({ workItem, result, quarantined }): CompletionOutcome => {
      const activity = this.#store.activities.get(workItem.id);
      if (!activity || !this.#holds(activity.lease, workItem.lockToken, now)) return activityLost(workItem);
      this.#store.activities.delete(workItem.id);
      if (quarantined) this.#store.quarantinedWorkItems++;
      const message = { instanceId: workItem.instanceId, executionId: workItem.executionId, event: result };
      delivered = this.#deliver(message, now) || delivered; // dropped when the instance no longer exists
      return undefined;
    });
    if (delivered) this.#emit([{ kind: "orchestration-work", visibleAt: now }]);
    return outcomes;
  }

  async abandonWorkItem(
    workItem: OrchestrationWorkItem | ActivityWorkItem,
    delayMs: number,
    options: AbandonOptions = {},
  ): Promise<void> {
    if (!Number.isFinite(delayMs) || delayMs < 0)
      throw new InvalidArgumentError(`delayMs must be a non-negative number, got ${delayMs}.`);
    const now = this.clock.now();
    const visibleAt = now + delayMs;
    if (isActivityWorkItem(workItem)) {
      const activity = this.#store.activities.get(workItem.id);
      if (!activity || !this.#holds(activity.lease, workItem.lockToken, now)) throw activityLost(workItem);
      activity.lease = undefined;
      if (options.countDelivery !== true) activity.deliveries = Math.max(0, activity.deliveries - 1); // given back
      activity.visibleAt = visibleAt;
      this.#emit([{ kind: "activity-work", visibleAt }]);
      return;
    }
    const instance = this.#store.instances.get(workItem.instanceId);
    if (!instance || !this.#holds(instance.lease, workItem.lockToken, now)) throw instanceLost(workItem);
    instance.lease = undefined;
    if (options.countDelivery !== true) instance.deliveries = Math.max(0, instance.deliveries - 1); // given back
    const carried = new Set([...workItem.messages, ...workItem.corruptMessages].map((m) => m.id));
    instance.inbox = instance.inbox.map((m) => (carried.has(m.id) ? { ...m, visibleAt } : m));
    this.#emit([{ kind: "orchestration-work", visibleAt }]);
  }

  async renewActivityWorkItem(
    workItem: ActivityWorkItem,
    leaseMs: number,
    heartbeatDetails?: string,
  ): Promise<number> {
    checkLockOptions({ workerId: "renew", max: 1, leaseMs });
    const now = this.clock.now();
    const activity = this.#store.activities.get(workItem.id);
    if (!activity || !this.#holds(activity.lease, workItem.lockToken, now)) throw activityLost(workItem);
    const expiresAt = now + leaseMs;
    activity.lease = { ...activity.lease!, expiresAt };
    if (heartbeatDetails !== undefined) activity.heartbeatDetails = heartbeatDetails;
    return expiresAt;
  }

  subscribe(listener: (notice: TaskHubNotice) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async recordWorkerHeartbeat(heartbeat: WorkerHeartbeat): Promise<void> {
    if (typeof heartbeat?.workerId !== "string" || heartbeat.workerId === "")
      throw new InvalidArgumentError("A worker heartbeat needs a non-empty workerId.");
    const { workers } = this.#store;
    if (heartbeat.stopping) {
      workers.delete(heartbeat.workerId);
      return;
    }
    const now = this.clock.now();
    const seen = workers.get(heartbeat.workerId);
    workers.set(heartbeat.workerId, {
      workerId: heartbeat.workerId,
      firstSeenAt: seen?.firstSeenAt ?? now,
      lastSeenAt: now,
      orchestrationsInFlight: Math.max(0, Math.trunc(heartbeat.orchestrationsInFlight) || 0),
      activitiesInFlight: Math.max(0, Math.trunc(heartbeat.activitiesInFlight) || 0),
      leaseTakeovers: seen?.leaseTakeovers ?? 0,
    });
    for (const [id, worker] of workers) if (worker.lastSeenAt < now - WORKER_RETENTION_MS) workers.delete(id);
  }

  /** {@inheritDoc TaskHubAnalytics.getAnalytics} */
  async getAnalytics(query: AnalyticsQuery): Promise<HubAnalytics> {
    return memoryAnalytics(this.#store, query);
  }

  async getStats(): Promise<TaskHubStats> {
    const now = this.clock.now();
    const instancesByStatus: Partial<Record<RuntimeStatus, number>> = {};
    let entities = 0;
    let inboxDepth = 0;
    let leasedInstances = 0;
    let oldest = Infinity;
    for (const { record, inbox, lease } of this.#store.instances.values()) {
      // Entities (IDs `@name@key`) are counted apart from orchestrations, whatever their status.
      if (record.instanceId.startsWith("@")) entities++;
      else instancesByStatus[record.status] = (instancesByStatus[record.status] ?? 0) + 1;
      inboxDepth += inbox.length;
      if (isHeld(lease, now)) leasedInstances++;
      for (const m of inbox) if (m.visibleAt <= now && m.visibleAt < oldest) oldest = m.visibleAt;
    }
    let leasedActivities = 0;
    for (const a of this.#store.activities.values()) {
      if (isHeld(a.lease, now)) leasedActivities++;
      if (a.visibleAt <= now && a.visibleAt < oldest) oldest = a.visibleAt;
    }
    const workers = [...this.#store.workers.values()]
      .filter((w) => w.lastSeenAt >= now - WORKER_RETENTION_MS)
      .sort((a, b) => b.lastSeenAt - a.lastSeenAt || (a.workerId < b.workerId ? -1 : 1));
    return {
      instancesByStatus,
      entities,
      inboxDepth,
      activityQueueDepth: this.#store.activities.size,
      ...(oldest !== Infinity ? { oldestPendingAt: oldest } : {}),
      leasedInstances,
      leasedActivities,
      workers,
      leaseTakeovers: this.#store.leaseTakeovers,
      quarantinedWorkItems: this.#store.quarantinedWorkItems,
    };
  }

  /**
   * A test hook, not part of the {@link TaskHub} contract: what work the hub holds at its clock's current time, read
   * synchronously (so nothing can change between the read and what the caller does with it). The time-skipping test
   * environment (`createTestEnvironment` in `taskhub/testing`) moves virtual time only when nothing is busy.
   */
  workState(): MemoryWorkState {
    const now = this.clock.now();
    let busy = false;
    let nextDueAt: number | undefined;
    const see = (visibleAt: number, lease: StoredInstance["lease"]): void => {
      if (visibleAt <= now || isHeld(lease, now)) busy = true;
      else if (nextDueAt === undefined || visibleAt < nextDueAt) nextDueAt = visibleAt;
    };
    for (const instance of this.#store.instances.values()) {
      if (isHeld(instance.lease, now)) busy = true;
      for (const message of instance.inbox) see(message.visibleAt, undefined);
    }
    for (const activity of this.#store.activities.values()) see(activity.visibleAt, activity.lease);
    return { busy, nextDueAt };
  }

  /** Commits one step (see {@link TaskHub.completeOrchestrationWorkItems}); returns its outcome. */
  #commitStep(completion: OrchestrationCompletion, now: number, notices: TaskHubNotice[]): CompletionOutcome {
    const { workItem } = completion;
    const instance = this.#store.instances.get(workItem.instanceId);
    if (!instance || !this.#holds(instance.lease, workItem.lockToken, now)) return instanceLost(workItem);
    const consumed = new Set(completion.consumedMessageIds);
    instance.inbox = instance.inbox.filter((m) => !consumed.has(m.id));
    const storedLength = instance.history.length;
    instance.history = [...(completion.replaceHistory ? [] : instance.history), ...completion.newHistory];
    instance.record = instanceAfterStep(completion, storedLength, now);
    instance.lease = undefined;
    instance.deliveries = 0;
    if (completion.quarantined) this.#store.quarantinedWorkItems++;
    for (const activity of completion.activities) {
      const id = this.#store.nextId++;
      this.#store.activities.set(id, {
        id,
        message: activity,
        visibleAt: activity.visibleAt ?? now,
        deliveries: 0,
      });
      notices.push({ kind: "activity-work", visibleAt: activity.visibleAt ?? now });
    }
    const messages = [...completion.messages];
    for (const request of completion.newInstances) {
      const existing = this.#store.instances.get(request.event.instanceId);
      if (existing && !isTerminalStatus(existing.record.status)) {
        const parent = request.event.parent;
        if (parent) messages.push(refusedSubOrchestration(request, existing.record.status, parent, now));
      } else this.#create(request, now, notices);
    }
    for (const message of messages)
      if (this.#deliver(message, now))
        notices.push({ kind: "orchestration-work", visibleAt: message.visibleAt ?? now });
    const { status } = instance.record;
    notices.push({
      kind: "instance-updated",
      instanceId: workItem.instanceId,
      status,
      ...(isTerminalStatus(status) ? { record: instance.record } : {}),
    });
    // Messages that arrived during the lease make the instance ready again.
    if (instance.inbox.length > 0) notices.push({ kind: "orchestration-work", visibleAt: now });
    return undefined;
  }

  /** Creates (or replaces a finished) instance with its start message. The caller checked the ID is free. */
  #create(request: NewInstance, now: number, notices: TaskHubNotice[]): void {
    const instanceId = request.event.instanceId;
    this.#delete(instanceId);
    this.#store.instances.set(instanceId, {
      record: pendingInstance(request, now),
      history: [],
      inbox: [],
      deliveries: 0,
    });
    const visibleAt = request.visibleAt ?? now;
    this.#deliver({ instanceId, event: request.event, visibleAt }, now);
    notices.push({ kind: "instance-updated", instanceId, status: "Pending" });
    notices.push({ kind: "orchestration-work", visibleAt });
  }

  /** Puts a message in an existing instance's inbox; false (dropped) when the instance does not exist. */
  #deliver(message: NewInboxMessage, now: number): boolean {
    const instance = this.#store.instances.get(message.instanceId);
    if (!instance) return false;
    instance.inbox.push({ ...message, id: this.#store.nextId++, visibleAt: message.visibleAt ?? now });
    return true;
  }

  /** Deletes an instance with its history, inbox and queued activities. */
  #delete(instanceId: string): void {
    this.#store.instances.delete(instanceId);
    for (const [id, activity] of this.#store.activities)
      if (activity.message.instanceId === instanceId) this.#store.activities.delete(id);
  }

  /** Whether the lease `lease` is the caller's (`token`) and still held. */
  #holds(lease: StoredInstance["lease"], token: string, now: number): boolean {
    return isHeld(lease, now) && lease.token === token;
  }

  /** Counts a lease takeover when `previous` is a lease that expired without being released. */
  #countTakeover(previous: StoredInstance["lease"], workerId: string, now: number): void {
    if (previous === undefined) return;
    this.#store.leaseTakeovers++;
    const worker = this.#store.workers.get(workerId);
    this.#store.workers.set(workerId, {
      workerId,
      firstSeenAt: worker?.firstSeenAt ?? now,
      lastSeenAt: worker?.lastSeenAt ?? now,
      orchestrationsInFlight: worker?.orchestrationsInFlight ?? 0,
      activitiesInFlight: worker?.activitiesInFlight ?? 0,
      leaseTakeovers: (worker?.leaseTakeovers ?? 0) + 1,
    });
  }

  /** Emits notices to every listener; a listener that throws does not stop the others. */
  #emit(notices: readonly TaskHubNotice[]): void {
    for (const notice of notices)
      for (const listener of [...this.#listeners])
        try {
          listener(notice);
        } catch {
          // the listener's problem
        }
  }
}

/** The earliest visible message time of an instance's inbox at `now`, if any. */
function earliestVisible(instance: StoredInstance, now: number): number | undefined {
  let at: number | undefined;
  for (const m of instance.inbox)
    if (m.visibleAt <= now && (at === undefined || m.visibleAt < at)) at = m.visibleAt;
  return at;
}

function instanceLost(workItem: OrchestrationWorkItem): WorkItemLockLostError {
  return new WorkItemLockLostError(`orchestration instance '${workItem.instanceId}'`);
}

function activityLost(workItem: ActivityWorkItem): WorkItemLockLostError {
  return new WorkItemLockLostError(
    `activity '${workItem.name}' (message ${workItem.id}) of instance '${workItem.instanceId}'`,
  );
}

function checkNewInstance(instance: NewInstance): void {
  const event = instance?.event;
  if (event?.type !== "ExecutionStarted")
    throw new InvalidArgumentError("A new instance needs an ExecutionStarted event.");
  if (typeof event.instanceId !== "string" || event.instanceId.length === 0)
    throw new InvalidArgumentError("A new instance needs a non-empty instance ID.");
}

function checkLockOptions(options: LockOptions): void {
  if (!Number.isInteger(options.max) || options.max < 0)
    throw new InvalidArgumentError(`LockOptions.max must be a non-negative integer, got ${options.max}.`);
  if (!Number.isFinite(options.leaseMs) || options.leaseMs <= 0)
    throw new InvalidArgumentError(`LockOptions.leaseMs must be a positive number, got ${options.leaseMs}.`);
}
