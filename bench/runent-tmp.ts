import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { postgresTaskHub, sqliteTaskHub } from "../src/index.js";
import { resolvePostgresConfig } from "../src/sql/postgres-task-hub.js";
import { runEntityBenchmarks } from "./entities.js";
import pg from "pg";
const dir = mkdtempSync(join(tmpdir(), "eb-"));
const quick = process.argv.includes("--quick");
const pgConfig = resolvePostgresConfig({});
const r = await runEntityBenchmarks(
  [
    { name: "sqlite-normal", make: (d) => sqliteTaskHub(join(d, "n.db"), { synchronous: "normal" }) },
    { name: "sqlite-memory", make: () => sqliteTaskHub(":memory:") },
    { name: "postgres", make: () => postgresTaskHub({ pool: pgConfig, hubName: `ebench_${process.pid}` }) },
  ],
  dir,
  quick,
  async (name) => {
    if (name === "postgres") {
      const c = new pg.Client(pgConfig);
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS "ebench_${process.pid}" CASCADE`);
      await c.end();
    }
  },
);
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify(r, null, 2));
