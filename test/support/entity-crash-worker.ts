/**
 * A worker process for the entity crash test: `node --import tsx entity-crash-worker.ts <db> <journal>`. Runs until
 * killed.
 */
import { sqliteTaskHub } from "../../src/index.js";
import { entityCrashApp } from "./entity-crash-app.js";

const [db, journal] = process.argv.slice(2);
if (!db || !journal) throw new Error("usage: entity-crash-worker.ts <db> <journal>");
const { app } = entityCrashApp(journal, 10);
await app.start({
  taskHub: sqliteTaskHub(db),
  leaseMs: 1500,
  maxPollIntervalMs: 100,
  maxEntityOperationBatchSize: 50,
  logger: { debug() {}, info() {}, warn: console.warn, error: console.error },
});
process.stdout.write("ready\n");
