/**
 * A worker process for crash tests: `node --import tsx crash-worker.ts <db> <journal>`. Runs until killed.
 */
import { sqliteTaskHub } from "../../src/index.js";
import { crashApp } from "./crash-app.js";

const [db, journal] = process.argv.slice(2);
if (!db || !journal) throw new Error("usage: crash-worker.ts <db> <journal>");
const { app } = crashApp(journal, 300);
await app.start({
  taskHub: sqliteTaskHub(db),
  leaseMs: 1500,
  maxPollIntervalMs: 100,
  logger: { debug() {}, info() {}, warn: console.warn, error: console.error },
});
process.stdout.write("ready\n");
