/**
 * One attempt of an activity while it runs in a worker: its abort signal (its own, joined to the worker's shutdown),
 * its time limits on the worker's clock, its heartbeats, and the lease they keep.
 *
 * **Limits.** `timeoutMs` bounds the attempt's run: when it passes, the signal is aborted with a `TimeoutError` and
 * the attempt ends as timed out (the runner fails it; a result the code returns later is discarded).
 * `heartbeatTimeoutMs` bounds the quiet time between heartbeats (the start counts as one): when it passes, the signal
 * is aborted and the attempt ends as silent (the runner releases it for redelivery).
 *
 * **The lease.** Without a heartbeat timeout, the lease is renewed at half its length while the attempt runs. With
 * one, heartbeats keep it: a heartbeat that finds the lease ending within `heartbeatTimeoutMs` plus half a lease
 * renews it to `heartbeatTimeoutMs` plus a lease from now. So there is at most one write per half lease however
 * often the code beats, the lease always outlives the heartbeat deadline by half a lease, and a process that hangs
 * (its timers no longer run) loses it at most `heartbeatTimeoutMs` plus a lease after its last heartbeat: another
 * worker then takes the attempt over. Either way, renewals carry the latest heartbeat details when they changed.
 * @module
 */
import type { ActivityTimeouts } from "../api/activity-timeouts.js";
import { TimeoutError, isWorkItemLockLostError } from "../core/errors.js";
import { serialize } from "../core/json.js";
import type { ActivityWorkItem } from "../core/records.js";
import type { Clock } from "../task-hub/clock.js";
import type { TaskHub } from "../task-hub/task-hub.js";

/** How an attempt's run ended. */
export type AttemptEnd =
  /** The code returned or threw first. */
  | { readonly kind: "settled"; readonly outcome: PromiseSettledResult<unknown> }
  /** It ran past `timeoutMs`: the attempt fails with `error`. */
  | { readonly kind: "timedOut"; readonly error: TimeoutError }
  /** It sent no heartbeat for `heartbeatTimeoutMs`: the attempt is released for redelivery. */
  | { readonly kind: "silent"; readonly error: TimeoutError };

/** An end at a limit. */
type LimitReached = Exclude<AttemptEnd, { readonly kind: "settled" }>;

/** What an attempt works with. */
export interface AttemptParts {
  readonly hub: TaskHub;
  /** The work item as leased. */
  readonly item: ActivityWorkItem;
  /** The attempt's limits (the call's, else the activity's). */
  readonly limits: ActivityTimeouts;
  /** The worker's lease length. */
  readonly leaseMs: number;
  /** The hub's clock: the limits and renewals are timed on it. */
  readonly clock: Clock;
  /** The worker's shutdown signal. */
  readonly shutdown: AbortSignal;
  /** Called with the error of a failed renewal (after a lost lease, renewals stop). */
  readonly onRenewError: (error: unknown) => void;
  /** Largest heartbeat details, as UTF-8 JSON (`maxPayloadBytes`, default 16 MiB). */
  readonly maxPayloadBytes?: number | undefined;
}

/** One running attempt; {@link run} it once. */
export class ActivityAttempt {
  readonly #controller = new AbortController();
  readonly #parts: AttemptParts;
  #item: ActivityWorkItem;
  #ended = false;
  #leaseLost = false;
  #lastBeatAt: number;
  /** The latest heartbeat details, and the ones the hub has (JSON text). */
  #details: string | undefined;
  #storedDetails: string | undefined;
  #renewing: Promise<void> | undefined;
  readonly #cancels = new Map<string, () => void>();
  readonly #onShutdown = (): void => this.#controller.abort(this.#parts.shutdown.reason);
  #reachLimit!: (end: AttemptEnd) => void;
  readonly #limit = new Promise<AttemptEnd>((resolve) => (this.#reachLimit = resolve));

  constructor(parts: AttemptParts) {
    this.#parts = parts;
    this.#item = parts.item;
    this.#details = this.#storedDetails = parts.item.heartbeatDetails;
    this.#lastBeatAt = parts.clock.now();
  }

  /** Aborted when a limit is reached or the worker shuts down. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Runs `code` until it settles or a limit is reached, whichever comes first; the attempt then ends. */
  async run(code: () => unknown): Promise<AttemptEnd> {
    this.#start();
    const settled = (async () => code())().then(
      (value): AttemptEnd => ({ kind: "settled", outcome: { status: "fulfilled", value } }),
      (reason: unknown): AttemptEnd => ({ kind: "settled", outcome: { status: "rejected", reason } }),
    );
    try {
      return await Promise.race([settled, this.#limit]);
    } finally {
      this.end();
    }
  }

  /**
   * A heartbeat from the code (`ctx.heartbeat`): keeps the attempt alive, remembers `details` (when given) for the
   * next renewal. Ignored once the attempt ended.
   * @throws InvalidArgumentError when `details` cannot be serialized; PayloadTooLargeError when they are too large.
   */
  heartbeat(details: unknown): void {
    const what = `Heartbeat details of activity '${this.#item.name}'`;
    const text = serialize(details, what, this.#parts.maxPayloadBytes);
    if (this.#ended) return;
    if (text !== undefined) this.#details = text;
    this.#lastBeatAt = this.#parts.clock.now();
    this.#renewIfDue();
  }

  /**
   * Releases the lease at once for redelivery (the delivery still counted), storing the latest heartbeat details first
   * if the hub does not have them. Rejects with the release's error (a lost lease: the attempt is someone else's already).
   */
  async release(): Promise<void> {
    const { hub, leaseMs } = this.#parts;
    await this.#renewing;
    if (this.#details !== this.#storedDetails && !this.#leaseLost)
      await hub.renewActivityWorkItem(this.#item, leaseMs, this.#details).catch(() => undefined);
    // The delivery counts: an attempt that keeps hanging is quarantined as poison work, as one that keeps crashing.
    await hub.abandonWorkItem(this.#item, 0, { countDelivery: true });
  }

  /** Stops the timers and renewals (idempotent). The signal stays as it is. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    for (const cancel of this.#cancels.values()) cancel();
    this.#cancels.clear();
    this.#parts.shutdown.removeEventListener("abort", this.#onShutdown);
  }

  #start(): void {
    const { shutdown, limits, item } = this.#parts;
    if (shutdown.aborted) this.#onShutdown();
    else shutdown.addEventListener("abort", this.#onShutdown, { once: true });
    const attempt = `Activity '${item.name}' attempt ${item.attempt}`;
    const { timeoutMs, heartbeatTimeoutMs } = limits;
    if (timeoutMs !== undefined)
      this.#timer("timeout", timeoutMs, () =>
        this.#reach({
          kind: "timedOut",
          error: new TimeoutError(
            `${attempt} timed out: it ran longer than its timeoutMs of ${timeoutMs} ms.`,
          ),
        }),
      );
    if (heartbeatTimeoutMs === undefined) {
      this.#renewEvery(Math.max(50, Math.floor(this.#parts.leaseMs / 2)));
      return;
    }
    const silent = (): LimitReached => ({
      kind: "silent",
      error: new TimeoutError(
        `${attempt} timed out: it sent no heartbeat for its heartbeatTimeoutMs of ${heartbeatTimeoutMs} ms.`,
      ),
    });
    const watch = (ms: number): void =>
      this.#timer("heartbeat", ms, () => {
        const quiet = this.#parts.clock.now() - this.#lastBeatAt;
        if (quiet >= heartbeatTimeoutMs) this.#reach(silent());
        else watch(heartbeatTimeoutMs - quiet);
      });
    watch(heartbeatTimeoutMs);
    this.#renewIfDue(); // the start counts as a heartbeat
  }

  /** Ends the run at a limit: aborts the signal with the limit's error. */
  #reach(end: LimitReached): void {
    if (this.#ended) return;
    this.#controller.abort(end.error);
    this.#reachLimit(end);
  }

  /** Sets the timer `name` (replacing one of that name) on the clock, unless the attempt ended. */
  #timer(name: string, ms: number, callback: () => void): void {
    if (this.#ended) return;
    this.#cancels.get(name)?.();
    this.#cancels.set(
      name,
      this.#parts.clock.setTimer(() => {
        if (!this.#ended) callback();
      }, ms),
    );
  }

  /** Automatic renewals: one every `every` ms, keeping the pace however long each takes. */
  #renewEvery(every: number): void {
    this.#timer("renewal", every, () => {
      if (this.#leaseLost) return;
      this.#renewEvery(every);
      void this.#renew(this.#parts.leaseMs);
    });
  }

  /** With a heartbeat timeout: renews when the lease ends within it plus half a lease (one renewal at a time). */
  #renewIfDue(): void {
    const { leaseMs, limits, clock } = this.#parts;
    const heartbeatTimeoutMs = limits.heartbeatTimeoutMs;
    if (heartbeatTimeoutMs === undefined || this.#renewing || this.#leaseLost) return;
    if (this.#item.lockExpiresAt >= clock.now() + heartbeatTimeoutMs + leaseMs / 2) return;
    this.#renewing = this.#renew(heartbeatTimeoutMs + leaseMs).finally(() => (this.#renewing = undefined));
  }

  /** Renews the lease to `ms` from now, with the latest heartbeat details when the hub does not have them. Never rejects. */
  #renew(ms: number): Promise<void> {
    const details = this.#details !== this.#storedDetails ? this.#details : undefined;
    return this.#parts.hub.renewActivityWorkItem(this.#item, ms, details).then(
      (lockExpiresAt) => {
        this.#item = { ...this.#item, lockExpiresAt };
        if (details !== undefined) this.#storedDetails = details;
      },
      (error: unknown) => {
        if (isWorkItemLockLostError(error)) this.#leaseLost = true;
        this.#parts.onRenewError(error);
      },
    );
  }
}
