/**
 * A worker process of the poison-work crash tests: `node --import tsx poison-worker.ts <hub> <journal>` runs the
 * poison app on `<hub>` (a SQLite file, or `postgres:<hub name>` with the connection from `TASKHUB_POSTGRES_URL` /
 * `DATABASE_URL` / the default), with 1 s leases and `maxDeliveryCount` 3, and exits on uncaught errors as a host does
 * (`exitOnUncaughtErrors`). Logs go to stderr, prefixed with the process ID; "ready" on stdout once the worker runs.
 */
import { exitOnUncaughtErrors, postgresTaskHub, sqliteTaskHub, type LogSink } from "../../src/index.js";
import { poisonApp } from "./poison-app.js";

const [hub, journal] = process.argv.slice(2);
if (!hub || !journal) throw new Error("usage: poison-worker.ts <hub> <journal>");
const tag = `[worker ${process.pid}]`;
const write = (level: string) => (message: string) => process.stderr.write(`${tag} ${level} ${message}\n`);
const logger: LogSink = { debug() {}, info() {}, warn: write("warn"), error: write("error") };
exitOnUncaughtErrors({ logger });
const taskHub = hub.startsWith("postgres:")
  ? postgresTaskHub({ hubName: hub.slice("postgres:".length), pool: { max: 4 } })
  : sqliteTaskHub(hub);
await poisonApp(journal).app.start({
  taskHub,
  workerId: `poison-${process.pid}`,
  leaseMs: 1000,
  maxDeliveryCount: 3,
  maxPollIntervalMs: 100,
  heartbeatIntervalMs: 60_000,
  logger,
});
process.stdout.write("ready\n");
