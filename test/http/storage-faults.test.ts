/**
 * Storage faults on a SQLite hub file, over real HTTP: the database locked by another connection beyond the hub's busy
 * timeout, the database full (`PRAGMA max_page_count` capped at its size on the hub's own connection) and read-only
 * (`PRAGMA query_only` on the hub's connection: SQLite refuses every write with SQLITE_READONLY). While a fault lasts,
 * every write path answers 503 with `Retry-After` and a JSON reason, reads are still served and bad input is still a
 * 400; the worker meets the fault, backs off and finishes everything once the fault is gone.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { sqliteTaskHub } from "../../src/index.js";
import type { SqlTaskHub } from "../../src/sql/sql-task-hub.js";
import {
  assertServesAgain,
  assertWritesRefused,
  startBeforeFault,
  withFaultHost,
  workerMetFault,
} from "../support/storage-faults.js";

interface Fault {
  readonly inject: (hub: SqlTaskHub, path: string) => Promise<void>;
  readonly remove: (hub: SqlTaskHub) => Promise<void>;
}

/** Runs the whole scenario with one fault on a fresh hub file. */
async function scenario(fault: Fault, refused: Parameters<typeof assertWritesRefused>[2]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "taskhub-sqlite-faults-"));
  const path = join(dir, "hub.db");
  // A short busy timeout: SQLite's busy wait blocks the thread, and this test's HTTP client shares it.
  const hub = sqliteTaskHub(path, { busyTimeoutMs: 200 });
  try {
    await withFaultHost(hub, async (host) => {
      const before = await startBeforeFault(host, 300);
      await fault.inject(hub, path);
      await assertWritesRefused(host, before, refused);
      await workerMetFault(host);
      assert.ok(
        host.log.lines.some((l) => /^error .*failed: TaskHubUnavailableError/.test(l)),
        "the refused requests were logged with the storage error",
      );
      await fault.remove(hub);
      await assertServesAgain(host, before);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("storage faults over HTTP (SQLite)", () => {
  it(
    "locked by another connection beyond the busy timeout: 503 busy, Retry-After 2",
    { timeout: 60_000 },
    async () => {
      let holder: Database.Database | undefined;
      await scenario(
        {
          inject: async (_hub, path) => {
            holder = new Database(path);
            holder.exec("BEGIN EXCLUSIVE"); // the write lock, held until COMMIT
          },
          remove: async () => {
            holder?.exec("COMMIT");
            holder?.close();
          },
        },
        { fault: "busy", smallWrites: true, readsFail: false },
      );
    },
  );

  it("the database full: 503 full, Retry-After 30", { timeout: 60_000 }, async () => {
    await scenario(
      {
        inject: async (hub) => {
          const [row] = await hub.driver.query<{ page_count: number }>("PRAGMA page_count");
          await hub.driver.run(`PRAGMA max_page_count = ${row!.page_count}`);
        },
        remove: async (hub) => {
          await hub.driver.run("PRAGMA max_page_count = 1073741823");
        },
      },
      { fault: "full", smallWrites: false, readsFail: false },
    );
  });

  it("the database read-only: 503 read-only, Retry-After 30", { timeout: 60_000 }, async () => {
    await scenario(
      {
        inject: async (hub) => {
          await hub.driver.run("PRAGMA query_only = ON");
        },
        remove: async (hub) => {
          await hub.driver.run("PRAGMA query_only = OFF");
        },
      },
      { fault: "read-only", smallWrites: true, readsFail: false },
    );
  });
});
