/**
 * Heartbeats: a worker reports itself to a hub that has health output (`taskhub health`) every interval, and once
 * more, as stopping, when it stops.
 * @module
 */
import { errorFields, type Logger } from "../core/logger.js";
import type { TaskHubHealth } from "../task-hub/health.js";

/** One worker's heartbeats. */
export class Heartbeat {
  #timer: NodeJS.Timeout | undefined;
  #last: Promise<void> = Promise.resolve();

  /**
   * @param health The hub's health output; without it no heartbeat is sent.
   * @param inFlight The worker's orchestration episodes and activities in flight.
   */
  constructor(
    private readonly health: TaskHubHealth | undefined,
    private readonly workerId: string,
    private readonly intervalMs: number,
    private readonly log: Logger,
    private readonly inFlight: {
      readonly episodes: { readonly size: number };
      readonly activities: { readonly size: number };
    },
  ) {}

  /** Sends one heartbeat now and then one every interval. */
  start(): void {
    void this.#send();
    this.#timer = setInterval(() => void this.#send(), this.intervalMs);
    this.#timer.unref();
  }

  /** Stops the interval and sends the final "stopping" heartbeat (after any still in flight). */
  stop(): Promise<void> {
    clearInterval(this.#timer);
    return this.#send(true);
  }

  /** Reports this worker to the hub (health output); failures are logged, never thrown. */
  #send(stopping = false): Promise<void> {
    // One at a time, in order: a late "alive" must not overwrite the final "stopping".
    this.#last = this.#last.then(() => this.#once(stopping));
    return this.#last;
  }

  async #once(stopping: boolean): Promise<void> {
    if (!this.health) return; // a hub without health output
    try {
      await this.health.recordWorkerHeartbeat({
        workerId: this.workerId,
        orchestrationsInFlight: this.inFlight.episodes.size,
        activitiesInFlight: this.inFlight.activities.size,
        stopping,
      });
    } catch (error) {
      this.log.warn(`Worker ${this.workerId}: heartbeat failed: ${String(error)}`, {
        workerId: this.workerId,
        ...errorFields(error),
      });
    }
  }
}
