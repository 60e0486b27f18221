/**
 * Poison work, the worker's side: work items whose deliveries keep ending without completing (the worker crashed,
 * hung or lost its lease, `maxDeliveryCount` times) are quarantined instead of run again. The hub counts the
 * deliveries (`deliveryCount` of the work items); this module decides from the count (quarantined, or a suspect that
 * runs alone: `solo-runs.ts`), builds an activity's quarantine result, and logs each quarantine at `error`, once its
 * commit succeeded. Orchestration and entity steps
 * are quarantined by their processors (`OrchestrationProcessor.process`, `EntityProcessor.process`).
 * @module
 */
import { poisonFailure, quarantineOf, type Quarantine } from "../api/delivery-limit.js";
import type { FailureDetails } from "../core/failure.js";
import type { Logger } from "../core/logger.js";
import type {
  ActivityCompletion,
  ActivityWorkItem,
  OrchestrationCompletion,
  OrchestrationWorkItem,
} from "../core/records.js";

/** One worker's poison-work limits. */
export class PoisonWork {
  /**
   * @param maxDeliveryCount The worker's limit (`WorkerOptions.maxDeliveryCount`).
   * @param activityLimit An activity's own limit, when its definition sets one.
   */
  constructor(
    private readonly maxDeliveryCount: number,
    private readonly activityLimit: (name: string) => number | undefined,
  ) {}

  /** The quarantine of an orchestration or entity work item past the worker's limit; `undefined` to run it. */
  ofInstance(item: OrchestrationWorkItem): Quarantine | undefined {
    return quarantineOf(item, this.maxDeliveryCount);
  }

  /** Whether an orchestration or entity work item is a suspect, to run alone (see `solo-runs.ts`). */
  isSuspectInstance(item: OrchestrationWorkItem): boolean {
    return isSuspect(item.deliveryCount, this.maxDeliveryCount);
  }

  /** Whether an activity work item is a suspect, to run alone (see `solo-runs.ts`). */
  isSuspectActivity(item: ActivityWorkItem): boolean {
    return isSuspect(item.deliveryCount, this.activityLimit(item.name) ?? this.maxDeliveryCount);
  }

  /**
   * The result of an activity work item past its limit (the activity's own, else the worker's): a `TaskFailed` with a
   * `PoisonMessageError`, marked `quarantined`. `undefined` to run it.
   */
  activityResult(item: ActivityWorkItem, timestamp: string): ActivityCompletion | undefined {
    const quarantine = quarantineOf(item, this.activityLimit(item.name) ?? this.maxDeliveryCount);
    if (!quarantine) return undefined;
    const what = `Activity '${item.name}' (attempt ${item.attempt}) of instance '${item.instanceId}'`;
    return {
      workItem: item,
      result: {
        type: "TaskFailed",
        timestamp,
        taskScheduledId: item.taskId,
        failure: poisonFailure(what, quarantine),
      },
      quarantined: true,
    };
  }

  /** Logs a committed activity quarantine at `error`. */
  logActivity(log: Logger, workerId: string, completion: ActivityCompletion): void {
    const { result, workItem } = completion;
    if (result.type === "TaskFailed") logQuarantine(log, workerId, result.failure, workItem);
  }

  /** Logs a committed orchestration or entity quarantine (`quarantine`, from {@link ofInstance}) at `error`. */
  logInstance(
    log: Logger,
    workerId: string,
    completion: OrchestrationCompletion,
    quarantine: Quarantine,
  ): void {
    const failure =
      completion.instance.failure ??
      // An entity's quarantined operation: its caller's failure; a signal has no caller.
      completion.messages
        .map((m) => m.event)
        .flatMap((e) => (e.type === "EntityOperationFailed" ? [e.failure] : []))
        .find((f) => f.errorType === "PoisonMessageError") ??
      poisonFailure(`A signalled operation of entity '${completion.workItem.instanceId}'`, quarantine);
    logQuarantine(log, workerId, failure, completion.workItem);
  }
}

/**
 * Whether a work item delivered `deliveryCount` times (this one included) runs alone: this is its last delivery before
 * quarantine (`limit`, from 2: with a limit of 1, every first delivery would be one). Work that ran beside a poison
 * had its count advance with each of the poison's crashes, but never past its limit: its last delivery runs alone, so
 * the poison's crashes cannot end it. Work past its limit runs no user code, and is no suspect.
 */
function isSuspect(deliveryCount: number, limit: number): boolean {
  return limit >= 2 && deliveryCount === limit;
}

function logQuarantine(
  log: Logger,
  workerId: string,
  failure: FailureDetails,
  item: { readonly deliveryCount: number; readonly takenOverFrom?: string | undefined },
): void {
  log.error(failure.message, {
    workerId,
    errorType: failure.errorType,
    errorMessage: failure.message,
    deliveryCount: item.deliveryCount - 1,
    ...(item.takenOverFrom !== undefined ? { previousWorkerId: item.takenOverFrom } : {}),
  });
}
