/**
 * Graceful shutdown on SIGINT / SIGTERM: the first signal stops the host (in-flight requests and work finish or are
 * released); a second one exits at once.
 * @module
 */
import type { LogSink } from "../core/logger.js";

/** Installs the signal handlers; returns a function that removes them. */
export function stopOnSignals(stop: () => Promise<void>, log: LogSink): () => void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log.warn(`${signal} again: exiting immediately.`);
      process.exit(130);
    }
    stopping = true;
    log.info(`${signal} received: stopping (finishing in-flight requests and work)...`);
    stop().then(
      () => {
        log.info("Stopped.");
        process.exitCode ??= 0;
        remove();
      },
      (error: unknown) => {
        log.error(`Stopping failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  const remove = (): void => {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return remove;
}
