/**
 * A worker process of the uncaught-error tests: `node --import tsx uncaught-worker.ts <db> <all|redeliveries|none>` runs
 * the uncaught-error app on a SQLite file (500 ms leases) with `exitOnUncaughtErrors` (tracking as asked), logging JSON lines on stdout.
 * Prints "ready" once the worker runs; the test starts the instances.
 */
import { exitOnUncaughtErrors, sqliteTaskHub, type LogSink } from "../../src/index.js";
import { uncaughtApp } from "./uncaught-app.js";

const [db, track] = process.argv.slice(2);
if (!db || (track !== "all" && track !== "redeliveries" && track !== "none"))
  throw new Error("usage: uncaught-worker.ts <db> <all|redeliveries|none>");
const line =
  (level: string) =>
  (msg: string, fields?: Record<string, unknown>): void => {
    const { err: _err, ...rest } = fields ?? {};
    process.stdout.write(`${JSON.stringify({ level, msg, ...rest })}\n`);
  };
const logger: LogSink = { debug() {}, info() {}, warn: line("warn"), error: line("error") };
exitOnUncaughtErrors({ logger, track });
await uncaughtApp().app.start({
  taskHub: sqliteTaskHub(db),
  logger,
  workerId: "leaky-worker",
  leaseMs: 500,
  maxPollIntervalMs: 50,
});
process.stdout.write("ready\n");
