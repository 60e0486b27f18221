/**
 * The task hub conformance suites (core and fast paths) against SQLite: a database file in a temporary directory, and `:memory:`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { sqliteTaskHub } from "../../src/sql/sqlite/sqlite-task-hub.js";
import { describeFastPathConformance } from "../../src/testing/fast-paths/fast-path-conformance.js";
import { describeTaskHubConformance } from "../../src/testing/task-hub-conformance.js";
import { sqlConformanceHooks } from "./sql-hooks.js";

const dir = mkdtempSync(join(tmpdir(), "taskhub-sqlite-conformance-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describeTaskHubConformance(
  "SQLite file",
  async () => sqliteTaskHub(join(dir, `hub-${n++}.db`)),
  sqlConformanceHooks,
);
describeTaskHubConformance("SQLite :memory:", async () => sqliteTaskHub(":memory:"), sqlConformanceHooks);
describeFastPathConformance(
  "SQLite file",
  async () => sqliteTaskHub(join(dir, `fast-${n++}.db`)),
  sqlConformanceHooks,
);
describeFastPathConformance("SQLite :memory:", async () => sqliteTaskHub(":memory:"), sqlConformanceHooks);
