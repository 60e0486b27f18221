/**
 * The fast paths, an optional capability of a task hub. A backend that implements {@link LocalDispatchCapability}
 * lets a worker skip claims and wake-ups; one that does not is correct and complete, only slower (the worker then
 * runs the plain path: claim, run, complete). The worker detects the capability once, when it is constructed
 * ({@link hasLocalDispatch}).
 *
 * The capability covers:
 * - **local dispatch**: a commit leases the work it creates (activities a step schedules, the instance an activity
 *   result goes to) to the committing worker, in the same transaction (like Temporal's eager activity dispatch);
 * - **eager start**: creating an instance leases it to the creating worker ({@link LocalDispatchCapability.createAndDispatch});
 * - **first step with the creation**: a step committed with `createsInstance` creates its instance;
 * - **held instances**: a step committed with `keepLease` keeps its lease, and the next step takes its activity's
 *   result directly (`consumedActivities`);
 * - **delete if idle**: an entity with no state vanishes in its step's commit (`deleteIfIdle`).
 *
 * Work leased by a fast path counts a delivery, as a claim does (see `TaskHub`'s delivery counts): an activity leased
 * by the commit that schedules it is delivered once (`deliveryCount` 1).
 *
 * How a backend makes these cheap (deferred statements, guarded commits) is its own business.
 * @module
 */
import type {
  ActivityCompletion,
  ActivityWorkItem,
  CompletionOutcome,
  NewInstance,
  OrchestrationCompletion,
  OrchestrationWorkItem,
} from "../core/records.js";
import type { TaskHub } from "./task-hub.js";

/**
 * An orchestration step with the fast-path flags; committed only by
 * {@link LocalDispatchCapability.completeOrchestrationsAndDispatch}. Every flag absent: a plain completion.
 */
export interface FastPathCompletion extends OrchestrationCompletion {
  /**
   * When true, the instance (row and history) is deleted at the end of the commit if its inbox is then empty: no
   * message arrived since the lease was taken, none was sent to it in the same commit, none waits for a later
   * `visibleAt`. Otherwise it is kept as `instance` says. Entities use it to vanish when they have no state and
   * nothing left to do (checked in the commit's transaction, so no message is ever lost).
   */
  readonly deleteIfIdle?: boolean | undefined;
  /**
   * When true, the instance does not exist yet: its first step ran before its start was stored (a host starting an
   * instance runs the first step at once). The backend creates the row from `workItem.instance` (Pending, empty
   * history), leased by the work item's token, then commits the step, in one transaction. When the ID is in use,
   * nothing of the step is written and its outcome is `WorkItemLockLostError`: the caller then creates the
   * instance the usual way ({@link TaskHub.createInstance}). `consumedMessageIds` then name no stored message.
   */
  readonly createsInstance?: boolean | undefined;
  /**
   * When true, the instance stays leased to the work item's token (same expiry) after the commit, instead of being
   * released: the committing worker means to commit the next step soon without a claim (a short activity's result,
   * see {@link consumedActivities}), or to release the lease ({@link TaskHub.abandonWorkItem}). The instance's delivery
   * count restarts at 1 (the lease kept is one delivery going on), not 0.
   */
  readonly keepLease?: boolean | undefined;
  /**
   * Activity work items whose results this step took directly (their `TaskCompleted` / `TaskFailed` events are in
   * `newHistory`; they were never in the inbox): deleted in the same transaction. When a lease of one of them is lost,
   * nothing of the step is written and its outcome is `WorkItemLockLostError`.
   */
  readonly consumedActivities?: readonly ActivityWorkItem[] | undefined;
}

/**
 * Local dispatch: a worker that commits work asks for the work it creates, leased to it in the same transaction,
 * so it need not claim it (one claim and one wake-up fewer per step, like Temporal's eager activity dispatch). The
 * backend leases at most the given numbers and may lease fewer (none at all is valid); what it does not lease stays
 * in the queues for any worker, as without the request.
 */
export interface DispatchRequest {
  /** The committing worker ({@link LockOptions.workerId}). */
  readonly workerId: string;
  /** Lease length of the items handed over. */
  readonly leaseMs: number;
  /**
   * Most activity work items to lease, among the activities the committed orchestration steps schedule that are
   * visible at once (default 0).
   */
  readonly maxActivities?: number | undefined;
  /**
   * Most orchestration work items to lease, among the instances that committed activity results go to and that
   * are then ready and not leased, or the instance being created (default 0).
   */
  readonly maxOrchestrations?: number | undefined;
}

/** Work leased to the committing worker by a {@link DispatchRequest}. */
export interface Dispatched {
  readonly activities: readonly ActivityWorkItem[];
  readonly orchestrations: readonly OrchestrationWorkItem[];
}

/** The outcomes of a batched completion, one per item in order, and the work dispatched to the committing worker. */
export interface DispatchResults {
  readonly outcomes: readonly CompletionOutcome[];
  /** Present when a {@link DispatchRequest} was given. */
  readonly dispatched?: Dispatched | undefined;
}

/**
 * The fast-path methods. Each does what its plain counterpart of {@link TaskHub} does, plus what it is asked for, in
 * the same transaction; errors are those of the plain counterpart.
 */
export interface LocalDispatchCapability {
  /**
   * {@link TaskHub.createInstance}, and with `dispatch` (`maxOrchestrations` ≥ 1) and a start that is due now, leases
   * the new instance to the dispatching worker and returns its work item (eager start, like Temporal's).
   * @throws InstanceAlreadyExistsError as {@link TaskHub.createInstance}.
   */
  createAndDispatch(instance: NewInstance, dispatch?: DispatchRequest): Promise<Dispatched | undefined>;

  /**
   * {@link TaskHub.completeOrchestrationWorkItems} for steps that may carry the fast-path flags
   * ({@link FastPathCompletion}); with `dispatch`, also leases activities the steps schedule (visible at once) to the
   * committing worker and returns them in `dispatched`. Lost leases are outcomes (`WorkItemLockLostError`).
   */
  completeOrchestrationsAndDispatch(
    completions: readonly FastPathCompletion[],
    dispatch?: DispatchRequest,
  ): Promise<DispatchResults>;

  /**
   * {@link TaskHub.completeActivityWorkItems}; with `dispatch`, also leases the instances the results go to (when they
   * are then ready and not leased) to the committing worker and returns them in `dispatched`.
   */
  completeActivitiesAndDispatch(
    completions: readonly ActivityCompletion[],
    dispatch?: DispatchRequest,
  ): Promise<DispatchResults>;
}

/** True when `hub` implements {@link LocalDispatchCapability}. */
export function hasLocalDispatch<H extends TaskHub>(hub: H): hub is H & LocalDispatchCapability {
  const h = hub as H & Partial<LocalDispatchCapability>;
  return (
    typeof h.createAndDispatch === "function" &&
    typeof h.completeOrchestrationsAndDispatch === "function" &&
    typeof h.completeActivitiesAndDispatch === "function"
  );
}

/**
 * Creates `instance` on `hub`: with `dispatch` and a hub that has the fast paths, eagerly
 * ({@link LocalDispatchCapability.createAndDispatch}); otherwise with the plain {@link TaskHub.createInstance}.
 * Returns what was dispatched (nothing on the plain path).
 */
export async function createInstanceOn(
  hub: TaskHub,
  instance: NewInstance,
  dispatch?: DispatchRequest,
): Promise<Dispatched | undefined> {
  if (dispatch && hasLocalDispatch(hub)) return hub.createAndDispatch(instance, dispatch);
  await hub.createInstance(instance);
  return undefined;
}
