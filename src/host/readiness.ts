/**
 * A host's readiness (`GET /readyz`): the hub answers a cheap query (one instance looked up by its key) within a
 * deadline, and the host's worker is polling (`Worker.isPolling`). Checked at most once per `cacheMs` however often
 * it is asked, with one check in flight at a time, so that probes cannot load the hub.
 * @module
 */
import type { Readiness } from "../http/ops-routes.js";
import type { TaskHub } from "../task-hub/task-hub.js";

/** The instance ID the hub probe looks up (a read by primary key; whether it exists does not matter). */
export const READINESS_PROBE_ID = "taskhub-readiness-probe";

/** Settings of {@link ReadinessCheck}. */
export interface ReadinessOptions {
  /** How long a check's answer is reused (default 1 s). */
  readonly cacheMs?: number;
  /** How long the hub has to answer before it counts as unreachable (default 2 s). */
  readonly timeoutMs?: number;
}

/** Checks a host's readiness, cached. */
export class ReadinessCheck {
  readonly #cacheMs: number;
  readonly #timeoutMs: number;
  #last: { readonly at: number; readonly value: Promise<Readiness>; settled: boolean } | undefined;

  /** @param worker The host's worker (`undefined` when the host runs none: then only the hub is checked). */
  constructor(
    private readonly hub: TaskHub,
    private readonly worker: { isPolling(): boolean } | undefined,
    options: ReadinessOptions = {},
  ) {
    this.#cacheMs = options.cacheMs ?? 1000;
    this.#timeoutMs = options.timeoutMs ?? 2000;
  }

  /** The readiness now, or as checked less than `cacheMs` ago, or the check in flight. Never throws. */
  check(): Promise<Readiness> {
    const now = performance.now();
    const last = this.#last;
    if (last && (!last.settled || now - last.at < this.#cacheMs)) return last.value;
    const entry = { at: now, value: this.#run(), settled: false };
    void entry.value.finally(() => (entry.settled = true));
    this.#last = entry;
    return entry.value;
  }

  async #run(): Promise<Readiness> {
    const hub = await this.#hubAnswers();
    const checks: Record<string, boolean> = { hub };
    if (this.worker) checks.worker = this.worker.isPolling();
    return { ready: Object.values(checks).every(Boolean), checks };
  }

  async #hubAnswers(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), this.#timeoutMs);
    });
    try {
      return await Promise.race([
        this.hub.getInstance(READINESS_PROBE_ID).then(
          () => true,
          () => false,
        ),
        deadline,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}
