/**
 * {@link exitOnUncaughtErrors}: what a worker process does with an error no code awaits (thrown in a timer callback or
 * an event listener, a promise rejected with nobody listening). Node would print it and exit; here it is logged at
 * `error` with the work it most likely came from (exactly, for a tracked run: see `work-scope.ts`), then the process
 * exits with {@link UNCAUGHT_ERROR_EXIT_CODE}.
 *
 * Exiting is the only safe choice: the process is in an unknown state (the code that threw was cut short, whatever
 * it held is left as it was). Nothing is released on the way out, on purpose: the leases of the work in flight
 * expire, so the delivery counts of that work advance (they are counted when a lease is taken), and a supervisor's
 * restart (systemd `Restart=always`, a container restart policy) resumes it. Work that keeps crashing the process is
 * quarantined after its `maxDeliveryCount` (poison work).
 * @module
 */
import { errorFields, toLogger, type LogSink } from "../core/logger.js";
import {
  currentWork,
  trackWorkScopes,
  workInFlight,
  type WorkInFlight,
  type WorkTracking,
} from "./work-scope.js";

/** The exit code after an uncaught error: 70, `EX_SOFTWARE` of `sysexits.h` ("internal software error"). */
export const UNCAUGHT_ERROR_EXIT_CODE = 70;

/** Options of {@link exitOnUncaughtErrors}. */
export interface UncaughtErrorOptions {
  /** Where the error is logged (default: console). */
  readonly logger?: LogSink | undefined;
  /**
   * Which runs of work are tracked, so that an error from a callback one of them scheduled names it exactly (an
   * `AsyncLocalStorage`, which costs something on every promise of the process while a tracked run is in flight):
   * `"redeliveries"` (default) tracks runs of work delivered before (the runs after a crash, where a poison crashes
   * again), `"all"` every run, `"none"` none. An error from an untracked run is logged with the list of the work in
   * flight.
   */
  readonly track?: WorkTracking | undefined;
  /** Ends the process (default `process.exit`); for tests. */
  readonly exit?: ((code: number) => void) | undefined;
}

/**
 * Installs `uncaughtException` and `unhandledRejection` handlers that log the error with the work it most likely came
 * from, at `error`, and exit the process with {@link UNCAUGHT_ERROR_EXIT_CODE} (see the module). `taskhub start` and
 * `taskhub dev` install them; a process that runs a `Worker` itself (`app.start`) should too, and run under a
 * supervisor that restarts it. Returns a function that removes them.
 */
export function exitOnUncaughtErrors(options: UncaughtErrorOptions = {}): () => void {
  const log = toLogger(options.logger ?? console);
  const exit = options.exit ?? ((code: number) => process.exit(code));
  trackWorkScopes(options.track ?? "redeliveries");
  let exiting = false;
  const onError = (error: unknown, kind: "exception" | "rejection"): void => {
    if (exiting) return; // a second error on the way out: the first one is the story
    exiting = true;
    try {
      const source = currentWork();
      const suspects = source ? [source] : workInFlight();
      log.error(uncaughtMessage(error, kind, source, suspects), {
        ...(source?.fields ?? {}),
        ...(source ? {} : { workInFlight: suspects.map((w) => w.description) }),
        exitCode: UNCAUGHT_ERROR_EXIT_CODE,
        ...errorFields(error),
        err: error,
      });
    } finally {
      exit(UNCAUGHT_ERROR_EXIT_CODE);
    }
  };
  const onException = (error: unknown): void => onError(error, "exception");
  const onRejection = (reason: unknown): void => onError(reason, "rejection");
  process.on("uncaughtException", onException);
  process.on("unhandledRejection", onRejection);
  return () => {
    process.off("uncaughtException", onException);
    process.off("unhandledRejection", onRejection);
    trackWorkScopes("none");
  };
}

/** The line logged for an uncaught error. */
function uncaughtMessage(
  error: unknown,
  kind: "exception" | "rejection",
  source: WorkInFlight | undefined,
  suspects: readonly WorkInFlight[],
): string {
  const what =
    kind === "exception"
      ? "An error was thrown that no code catches (in a timer callback, an event listener...)"
      : "A promise was rejected with no handler";
  const where = source
    ? ` by ${source.description}`
    : suspects.length > 0
      ? `; it most likely came from the work in flight: ${suspects.map((w) => w.description).join("; ")}`
      : "; no activity, orchestration or entity was running (it came from the app's own code, or from work that " +
        "had finished)";
  const shown = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return (
    `${what}${where}: ${shown}. The process is in an unknown state and exits now (code ` +
    `${UNCAUGHT_ERROR_EXIT_CODE}); the work in flight is redelivered once its lease expires (a supervisor restarts ` +
    `the process), and work that keeps crashing it is quarantined after its maxDeliveryCount.`
  );
}
