/**
 * `taskhub health` only reads a hub: on a SQLite file that does not exist it fails clearly and creates nothing, it
 * never creates or upgrades a schema, and it fails clearly on a database without the Taskhub schema or with an older
 * one. It reads a hub a running host is using.
 */
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, describe, it } from "node:test";
import Database from "better-sqlite3";
import { LATEST_SCHEMA_VERSION, MIGRATIONS, migrate } from "../../src/sql/migrations.js";
import { sqliteTaskHub } from "../../src/sql/sqlite/sqlite-task-hub.js";
import { listeningUrls, removeTempDirs, runCli, spawnCli, tempDir } from "../support/cli-process.js";
import { eventually } from "../support/test-host.js";

const APP = fileURLToPath(new URL("../http/cli-app.ts", import.meta.url));
after(removeTempDirs);

const tables = (path: string): string[] => {
  const db = new Database(path, { readonly: true });
  try {
    return db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all()
      .map((row) => (row as { name: string }).name);
  } finally {
    db.close();
  }
};

describe("taskhub health", () => {
  it("fails clearly on a hub file that does not exist, and creates neither the file nor its folder", () => {
    const dir = tempDir();
    const byDefault = runCli(["health"], dir);
    assert.equal(byDefault.status, 1);
    assert.equal(
      byDefault.stderr,
      `taskhub health: cannot read the task hub at ${join(dir, ".taskhub", "hub.db")}: the file does not exist ` +
        "(a host creates it when it first starts: taskhub start).\n",
    );
    const named = runCli(["health", "--hub", "data/hub.db"], dir);
    assert.equal(named.status, 1);
    assert.match(named.stderr, /data\/hub\.db: the file does not exist/);
    assert.deepEqual(readdirSync(dir), []);
  });

  it("fails clearly on a database without the Taskhub schema, and creates no table", () => {
    const dir = tempDir();
    const path = join(dir, "other.db");
    const db = new Database(path);
    db.exec("CREATE TABLE notes (text TEXT)");
    db.close();
    const result = runCli(["health", "--hub", path], dir);
    assert.equal(result.status, 1);
    assert.match(
      result.stderr,
      /^taskhub health: cannot read the task hub at .*other\.db: the database holds no Taskhub task hub \(a host creates it when it first starts: taskhub start\)\.\n$/,
    );
    assert.deepEqual(tables(path), ["notes"]);
    const mode = new Database(path, { readonly: true });
    assert.equal(mode.pragma("journal_mode", { simple: true }), "delete", "the journal mode is untouched");
    mode.close();
  });

  it("fails clearly on an older schema and does not upgrade it", async () => {
    const dir = tempDir();
    const path = join(dir, "old.db");
    const old = sqliteTaskHub(path);
    await migrate(old.driver, old.dialect, MIGRATIONS.slice(0, 2));
    await old.close();
    const result = runCli(["health", "--hub", path], dir);
    assert.equal(result.status, 1);
    assert.match(
      result.stderr,
      new RegExp(
        `the task hub in the database is at schema version 2, older than version ${LATEST_SCHEMA_VERSION} of this ` +
          `version of Taskhub; start a host of this version \\(taskhub start\\) to upgrade it\\.\\n$`,
      ),
    );
    const db = new Database(path, { readonly: true });
    assert.equal((db.prepare("SELECT MAX(version) AS v FROM schema_migrations").get() as { v: number }).v, 2);
    db.close();
  });

  it("refuses an in-memory hub", () => {
    const result = runCli(["health", "--hub", ":memory:"], tempDir());
    assert.equal(result.status, 1);
    assert.match(result.stderr, /an in-memory hub lives in one process only/);
  });

  it("reports on the hub of a running host, and on it once stopped", async () => {
    const dir = tempDir();
    const child = spawnCli(["start", APP, "--port", "0", "--host", "127.0.0.1", "--local-dev"], dir);
    try {
      await eventually(async () => listeningUrls(child.output()).length > 0, 30_000);
      // Ready once the host's worker has sent its first heartbeat.
      const live = await eventually(async () => {
        const result = runCli(["health"], dir);
        assert.equal(result.status, 0, result.stderr);
        const report = JSON.parse(result.stdout) as {
          hubName: string;
          hubReachable: boolean;
          ready: boolean;
        };
        return report.ready ? report : undefined;
      }, 30_000);
      assert.equal(live.hubName, "taskhub");
      assert.equal(live.hubReachable, true);
      child.process.kill("SIGTERM");
      assert.equal(await child.exited, 0, child.output());
    } finally {
      child.process.kill("SIGKILL");
    }
    const stopped = runCli(["health"], dir);
    assert.equal(stopped.status, 0, stopped.stderr);
    const after = JSON.parse(stopped.stdout) as { instances: unknown; hubReachable: boolean; ready: boolean };
    assert.deepEqual(after.instances, { total: 0, byStatus: {} });
    assert.deepEqual([after.hubReachable, after.ready], [true, false], "no worker polls the hub any more");
  });
});
