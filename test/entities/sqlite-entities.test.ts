/**
 * The entity scenarios on SQLite: in a file and in memory.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { sqliteTaskHub } from "../../src/index.js";
import { describeEntities } from "../support/e2e-entities.js";

const dir = mkdtempSync(join(tmpdir(), "taskhub-entities-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describeEntities("SQLite file", async () => sqliteTaskHub(join(dir, `hub-${n++}.db`)));
describeEntities("SQLite in memory, no session cache, batches of 3", async () => sqliteTaskHub(":memory:"), {
  maxCachedOrchestrations: 0,
  maxEntityOperationBatchSize: 3,
});
