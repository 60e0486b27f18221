/**
 * An SDK worker process for the sidecar failover tests: `node --import tsx test/support/sdk-worker-process.ts
 * <gRPC address> <mode>` runs a `TaskHubGrpcWorker` (`@microsoft/durabletask-js`) on that sidecar until SIGTERM.
 *
 * Functions: activity `Hold` (prints `started Hold <instance> <task>`; in mode `block` it never returns, in mode
 * `work` it returns `done by <pid>`), orchestrator `HoldOnce` (one `Hold`), activity `Step` (prints `ran Step
 * <instance> <task>`, returns its input + 1 after a few milliseconds of work) and orchestrator `Steps` (five `Step`s).
 * Prints `ready <pid>` once started and `connected` once the SDK reports its work-item stream open.
 * @module
 */
import {
  TaskHubGrpcWorker,
  type ActivityContext,
  type OrchestrationContext,
} from "@microsoft/durabletask-js";

const [address, mode] = process.argv.slice(2);
if (!address || (mode !== "block" && mode !== "work"))
  throw new Error("usage: sdk-worker-process.ts <gRPC address> block|work");

const say = (line: string): void => void process.stdout.write(`${line}\n`);
const quiet = (): void => undefined;
const worker = new TaskHubGrpcWorker({
  hostAddress: address,
  shutdownTimeoutMs: 2000,
  logger: {
    error: (message: string) => process.stderr.write(`sdk error: ${message}\n`),
    warn: (message: string) => process.stderr.write(`sdk warn: ${message}\n`),
    info: (message: string) => {
      if (message.startsWith("Successfully connected")) say("connected");
    },
    debug: quiet,
  },
});

worker.addNamedActivity("Hold", (ctx: ActivityContext) => {
  say(`started Hold ${ctx.orchestrationId} ${ctx.taskId}`);
  if (mode === "block") return new Promise<never>(() => undefined); // until this process is killed
  return `done by ${process.pid}`;
});
worker.addNamedOrchestrator("HoldOnce", async function* (ctx: OrchestrationContext) {
  const result: unknown = yield ctx.callActivity("Hold");
  return result;
});
worker.addNamedActivity("Step", async (ctx: ActivityContext, n: number) => {
  say(`ran Step ${ctx.orchestrationId} ${ctx.taskId}`);
  // A little work, so that the two workers' activities overlap.
  await new Promise((resolve) => setTimeout(resolve, 5));
  return n + 1;
});
worker.addNamedOrchestrator("Steps", async function* (ctx: OrchestrationContext, n: number) {
  let value = n;
  for (let i = 0; i < 5; i++) value = yield ctx.callActivity("Step", value);
  return value;
});

await worker.start();
process.once("SIGTERM", () => {
  void worker.stop().then(() => process.exit(0));
});
say(`ready ${process.pid}`);
