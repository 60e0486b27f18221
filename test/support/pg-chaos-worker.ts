/**
 * A worker process of the PostgreSQL chaos tests: `node --import tsx pg-chaos-worker.ts <hub name>` runs the chaos app
 * on that hub (connection from `TASKHUB_POSTGRES_URL` / `DATABASE_URL` / the default) with 2 s leases, until killed
 * (no poison-work limit to speak of: its deaths are the supervisor's kills).
 * Logs go to stderr, prefixed with the process ID; "ready <worker ID>" on stdout once the worker runs.
 */
import { postgresTaskHub } from "../../src/index.js";
import { chaosApp } from "./pg-chaos-app.js";

const [hubName, leaseArg] = process.argv.slice(2);
if (!hubName) throw new Error("usage: pg-chaos-worker.ts <hub name> [lease ms]");
const tag = `[worker ${process.pid}]`;
const write = (level: string) => (message: string) => process.stderr.write(`${tag} ${level} ${message}\n`);
const { app } = chaosApp();
const host = await app.start({
  taskHub: postgresTaskHub({ hubName, pool: { max: 6, connectionTimeoutMillis: 5000 } }),
  leaseMs: Number(leaseArg ?? 2000),
  maxPollIntervalMs: 500,
  heartbeatIntervalMs: 1000,
  shutdownTimeoutMs: 1000,
  // The supervisor kills workers about every second, whatever they run: every kill ends the leases in flight, which
  // a delivery limit would take for poison work crashing its process. Poison work is tested in poison-crash.test.ts.
  maxDeliveryCount: 1_000_000,
  logger: { debug() {}, info() {}, warn: write("warn"), error: write("error") },
});
process.stdout.write(`ready ${host.worker.workerId}\n`);
