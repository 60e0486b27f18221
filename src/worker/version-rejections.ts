/**
 * Work a versioned worker leaves for a compatible one (`versioning.failureStrategy` `Reject`): the work item is
 * abandoned with a short delay, and the rejection logged without flooding the log: the first rejection of an
 * instance's version at `info`, the repeats (every claim until a compatible worker takes it) at `debug`.
 *
 * When the delay is over, the hub tells every worker that the work is visible again. The worker that rejected it does
 * not wake for that notice (it finds the work again on its next poll, should no compatible worker take it): woken
 * with the others, it could claim the work first every time (in one process it is told first when it subscribed
 * first) and keep a compatible worker from ever getting it.
 * @module
 */
import type { Logger } from "../core/logger.js";
import type { OrchestrationWorkItem } from "../core/records.js";
import type { Clock } from "../task-hub/clock.js";
import type { TaskHub } from "../task-hub/task-hub.js";
import { instanceFields } from "./work-item-log.js";

/**
 * How long a rejected work item stays invisible (ms): long enough for a compatible worker to claim it first, short
 * enough not to delay it much when this worker claims it again.
 */
export const VERSION_REJECT_DELAY_MS = 1000;

/** Most instances remembered as already logged at `info` (then the memory starts over). */
const MAX_REMEMBERED = 10_000;

/** A time range (hub clock, epoch ms) in which the work this worker rejected becomes visible again. */
interface Window {
  readonly from: number;
  /** Open (infinite) while the abandon runs: a hub may tell its subscribers during the call. */
  to: number;
}

/** One worker's rejections. */
export class VersionRejections {
  readonly #logged = new Set<string>();
  /** When this worker's rejected work becomes visible again, oldest first. */
  #windows: Window[] = [];

  constructor(
    private readonly hub: TaskHub,
    private readonly workerId: string,
    /** The hub's clock. */
    private readonly clock: Clock,
  ) {}

  /**
   * True when a notice of work visible at `visibleAt` is (most likely) about work this worker rejected: the worker
   * then does not wake for it (see the module documentation). Each window answers once.
   */
  isOwnRejection(visibleAt: number | undefined): boolean {
    if (visibleAt === undefined || this.#windows.length === 0) return false;
    const now = this.clock.now();
    this.#windows = this.#windows.filter((w) => w.to >= now - VERSION_REJECT_DELAY_MS);
    const index = this.#windows.findIndex((w) => visibleAt >= w.from && visibleAt <= w.to);
    if (index < 0) return false;
    this.#windows.splice(index, 1);
    return true;
  }

  /**
   * Leaves `item` for a compatible worker: logs why (`reason` names both versions) and abandons it with
   * {@link VERSION_REJECT_DELAY_MS}. A live worker's abandon is not a failed delivery. Never throws.
   */
  async reject(
    item: OrchestrationWorkItem,
    version: string | undefined,
    reason: string,
    log: Logger,
  ): Promise<void> {
    const key = `${item.instanceId}\n${version ?? ""}`;
    const first = !this.#logged.has(key);
    if (first) {
      if (this.#logged.size >= MAX_REMEMBERED) this.#logged.clear();
      this.#logged.add(key);
    }
    const message =
      `Worker ${this.workerId}: left orchestration '${item.instanceId}' for a worker that runs its version: ` +
      `${reason}` +
      (first ? " (repeats are logged at debug)" : "");
    const fields = { ...instanceFields(item), workerId: this.workerId, instanceVersion: version ?? null };
    if (first) log.info(message, fields);
    else log.debug(message, fields);
    // The hub reads its clock during the call: the work is visible again at a time in this window.
    const window: Window = { from: this.clock.now() + VERSION_REJECT_DELAY_MS, to: Number.POSITIVE_INFINITY };
    if (this.#windows.length < MAX_REMEMBERED) this.#windows.push(window);
    try {
      await this.hub.abandonWorkItem(item, VERSION_REJECT_DELAY_MS);
    } catch {
      // The lease was lost (the work is someone else's now) or the hub failed: the lease expires by itself.
    }
    window.to = this.clock.now() + VERSION_REJECT_DELAY_MS;
  }
}
