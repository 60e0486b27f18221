/**
 * Hub options are never ignored: `postgresTaskHub` takes a connection string and connects to that database (a real
 * scratch database on the local server, not the default one); every hub factory rejects an unknown option or one of
 * the wrong type with a clear error. Fails, never skips, when the PostgreSQL server is unreachable.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { InvalidArgumentError, memoryTaskHub, postgresTaskHub, sqliteTaskHub } from "../../src/index.js";
import { ManualClock } from "../../src/testing/index.js";
import { newInstance } from "../../src/testing/task-hub-conformance-support.js";
import { config, requirePostgres, withClient } from "./postgres-support.js";

const database = `taskhub_options_${process.pid}`;

/** The URL of the scratch database, on the server the other PostgreSQL tests use. */
function scratchUrl(): string {
  const url = new URL(config.connectionString ?? "postgres://postgres@127.0.0.1:5432/test");
  url.pathname = `/${database}`;
  return url.toString();
}

function rejects(make: () => unknown, pattern: RegExp): void {
  assert.throws(make, (error: unknown) => {
    assert.ok(error instanceof InvalidArgumentError, String(error));
    assert.match(error.message, pattern);
    return true;
  });
}

describe("hub options", () => {
  before(async () => {
    await requirePostgres();
    await withClient(async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${database}`);
      await c.query(`CREATE DATABASE ${database}`);
    });
  });
  after(() => withClient((c) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)));

  it("postgresTaskHub(connectionString) uses that database, not the default one", async () => {
    const hub = postgresTaskHub(scratchUrl());
    try {
      assert.match(hub.description, new RegExp(database));
      await hub.init();
      await hub.createInstance(newInstance("in-scratch"));
      assert.equal((await hub.getInstance("in-scratch"))?.status, "Pending");
    } finally {
      await hub.close();
    }
    // The row is in the scratch database's `taskhub` schema; the default database has no such row.
    const scratch = postgresTaskHub({ connectionString: scratchUrl() });
    try {
      assert.equal((await scratch.getInstance("in-scratch"))?.status, "Pending");
    } finally {
      await scratch.close();
    }
    await withClient(async (c) => {
      const { rows } = await c.query(
        `SELECT count(*)::int AS n FROM information_schema.tables
         WHERE table_catalog = current_database() AND table_schema = 'taskhub' AND table_name = 'instances'`,
      );
      if (rows[0].n > 0) {
        const found = await c.query(
          `SELECT count(*)::int AS n FROM taskhub.instances WHERE instance_id = 'in-scratch'`,
        );
        assert.equal(found.rows[0].n, 0, "not written to the default database");
      }
    });
  });

  it("rejects unknown options, wrong types and an empty connection string", () => {
    rejects(
      () => postgresTaskHub({ connectionstring: "postgres://x/y" } as never),
      /unknown option 'connectionstring'.*Did you mean 'connectionString'/,
    );
    rejects(
      () => postgresTaskHub({ url: "postgres://x/y" } as never),
      /unknown option 'url'.*Accepted options: connectionString, pool, hubName, clock/,
    );
    rejects(
      () => postgresTaskHub({ pool: "postgres://user:secret@x/y" } as never),
      /option 'pool' must be an object, got a string/,
    );
    rejects(() => postgresTaskHub(""), /connection string is empty/);
    rejects(() => postgresTaskHub({ hubName: 7 } as never), /option 'hubName' must be a string/);
    rejects(() => postgresTaskHub(null as never), /options must be an object, got null/);
    rejects(
      () => sqliteTaskHub(":memory:", { busyTimeout: 10 } as never),
      /unknown option 'busyTimeout'.*Did you mean 'busyTimeoutMs'/,
    );
    rejects(
      () => sqliteTaskHub(":memory:", { busyTimeoutMs: "10" } as never),
      /option 'busyTimeoutMs' must be an integer, got a string/,
    );
    rejects(
      () => sqliteTaskHub(":memory:", { readOnly: "yes" } as never),
      /option 'readOnly' must be a boolean/,
    );
    rejects(() => sqliteTaskHub(":memory:", { synchronous: "fast" } as never), /synchronous must be one of/);
    rejects(() => sqliteTaskHub({ path: "x.db" } as never), /path must be a string/);
    rejects(
      () => memoryTaskHub({ clok: new ManualClock() } as never),
      /unknown option 'clok'.*Did you mean 'clock'/,
    );
  });

  it("accepts every documented option", async () => {
    const clock = new ManualClock();
    const hubs = [
      sqliteTaskHub(":memory:", { synchronous: "normal", busyTimeoutMs: 100, clock, readOnly: false }),
      memoryTaskHub({ clock, description: "m" }),
      postgresTaskHub({ connectionString: scratchUrl(), pool: { max: 2 }, hubName: "other", clock }),
    ];
    for (const hub of hubs) await hub.close();
  });
});
