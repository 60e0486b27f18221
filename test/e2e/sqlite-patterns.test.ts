/**
 * The orchestration patterns end to end on SQLite: in a file and in memory, with the session cache on and off.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { sqliteTaskHub } from "../../src/index.js";
import { describeManagement } from "../support/e2e-management.js";
import { describePatterns } from "../support/e2e-patterns.js";

const dir = mkdtempSync(join(tmpdir(), "taskhub-e2e-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describePatterns("SQLite file", async () => sqliteTaskHub(join(dir, `hub-${n++}.db`)));
describePatterns("SQLite in memory", async () => sqliteTaskHub(":memory:"));
describePatterns("SQLite in memory, no session cache", async () => sqliteTaskHub(":memory:"), {
  maxCachedOrchestrations: 0,
});
describeManagement("SQLite file", async () => sqliteTaskHub(join(dir, `hub-${n++}.db`)));
describeManagement("SQLite in memory, no session cache", async () => sqliteTaskHub(":memory:"), {
  maxCachedOrchestrations: 0,
});
