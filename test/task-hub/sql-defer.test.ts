/**
 * Deferred statements ({@link SqlExecutor.defer}) on both SQL drivers: a deferred statement's failure fails its
 * transaction (nothing committed), its rows resolve with the right values, and inside group commit a deferred failure
 * belongs to its own grouped write only. PostgreSQL tests fail, never skip, when the server is unreachable.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, beforeEach, describe, it } from "node:test";
import { GroupedWrites } from "../../src/sql/grouped-writes.js";
import type { SqlExecutor, SqlRow } from "../../src/sql/sql-driver.js";
import type { SqlTaskHub } from "../../src/sql/sql-task-hub.js";
import { sqliteTaskHub } from "../../src/sql/sqlite/sqlite-task-hub.js";
import { lockInstance, newInstance, rejectsWith } from "../../src/testing/task-hub-conformance-support.js";
import { dropCreatedSchemas, dropSchema, requirePostgres, testHub } from "./postgres-support.js";

const dir = mkdtempSync(join(tmpdir(), "taskhub-sql-defer-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

/** Longer than the PostgreSQL driver inlines into a batch: such statements take its bound-parameter path. */
const LARGE = 20_000;

/** Registers the tests for one backend: `makeHub` returns a new hub, `dispose` cleans up after it is closed. */
function deferTests(makeHub: () => SqlTaskHub, dispose: (hub: SqlTaskHub) => Promise<void>): void {
  let hub: SqlTaskHub;
  /** The probe table (key, value) and a table name that does not exist. */
  let probe: string;
  let missing: string;
  const q = (text: string) => hub.dialect.statement(text);
  const keys = async () =>
    (await q(`SELECT k FROM ${probe} ORDER BY k`).query(hub.driver)).map((row) => String(row.k));
  /** Defers an insert of key `k` (with an optional payload `p`). */
  const insert = (tx: SqlExecutor, k: string, p: string | null = null) =>
    q(`INSERT INTO ${probe} (k, v, p) VALUES (:k, :v, :p)`).defer(tx, { k, v: 0, p });

  beforeEach(async () => {
    hub = makeHub();
    await hub.init();
    probe = hub.dialect.table("defer_probe");
    missing = hub.dialect.table("defer_missing");
    await hub.driver.run(`CREATE TABLE ${probe} (k TEXT PRIMARY KEY, v INTEGER NOT NULL, p TEXT)`);
    await q(`INSERT INTO ${probe} (k, v) VALUES (:k, :v)`).run(hub.driver, { k: "pre", v: 0 });
  });

  afterEach(async () => {
    await hub.close();
    await dispose(hub);
  });

  it("fails the transaction when a deferred statement fails at commit, committing nothing", async () => {
    let deferred: Promise<SqlRow[]> | undefined;
    await assert.rejects(
      hub.driver.transaction(async (tx) => {
        await q(`INSERT INTO ${probe} (k, v) VALUES (:k, :v)`).run(tx, { k: "a", v: 1 });
        void insert(tx, "b");
        deferred = q(`INSERT INTO ${missing} (k) VALUES (:k)`).defer(tx, { k: "c" });
        return "resolved";
      }),
      /defer_missing/,
    );
    await assert.rejects(deferred!, /defer_missing/, "the deferred statement's own promise rejects too");
    assert.deepEqual(await keys(), ["pre"], "nothing of the transaction is committed");
    // The driver (connection, prepared statements) is still usable.
    await hub.driver.transaction(async (tx) => {
      void insert(tx, "after");
    });
    assert.deepEqual(await keys(), ["after", "pre"]);
  });

  it("fails the transaction when a deferred statement fails before the next statement", async () => {
    await assert.rejects(
      hub.driver.transaction(async (tx) => {
        void insert(tx, "a");
        void insert(tx, "pre"); // unique violation
        await q(`SELECT k FROM ${probe}`).query(tx);
        return "resolved";
      }),
      /unique|duplicate key/i,
    );
    assert.deepEqual(await keys(), ["pre"]);
  });

  it("fails the transaction when the function swallows the error of a deferred statement", async () => {
    await assert.rejects(
      hub.driver.transaction(async (tx) => {
        await q(`INSERT INTO ${probe} (k, v) VALUES (:k, :v)`).run(tx, { k: "a", v: 1 });
        void insert(tx, "pre"); // unique violation
        await q(`SELECT k FROM ${probe}`)
          .query(tx)
          .catch(() => undefined); // swallowed
        await q(`INSERT INTO ${probe} (k, v) VALUES (:k, :v)`)
          .run(tx, { k: "b", v: 1 })
          .catch(() => undefined);
        return "resolved";
      }),
      /unique|duplicate key/i,
    );
    assert.deepEqual(await keys(), ["pre"], "nothing of the transaction is committed");
  });

  it("fails the transaction when a deferred statement with large parameters fails", async () => {
    const big = "x".repeat(LARGE);
    let deferred: Promise<SqlRow[]> | undefined;
    await assert.rejects(
      hub.driver.transaction(async (tx) => {
        void insert(tx, "a", big);
        deferred = insert(tx, "pre", big); // unique violation
        void insert(tx, "b");
        return "resolved";
      }),
      /unique|duplicate key/i,
    );
    await assert.rejects(deferred!, /unique|duplicate key/i);
    assert.deepEqual(await keys(), ["pre"]);
  });

  it("resolves a deferred statement's rows with the right values after the commit", async () => {
    const odd = `it's "odd" \\ $1 ? ${"é"}`;
    const big = "y".repeat(LARGE);
    const result = await hub.driver.transaction(async (tx) => {
      await q(`INSERT INTO ${probe} (k, v) VALUES (:k, :v)`).run(tx, { k: "x", v: 1 });
      const updated = q(`UPDATE ${probe} SET v = v + :by WHERE k = :k RETURNING k, v`).defer(tx, {
        by: 41,
        k: "x",
      });
      const inserted = q(`INSERT INTO ${probe} (k, v) VALUES (:k, :v) RETURNING k, v`).defer(tx, {
        k: odd,
        v: -7,
      });
      const large = q(
        `INSERT INTO ${probe} (k, v, p) VALUES (:k, :v, :p) RETURNING k, v, length(p) AS n`,
      ).defer(tx, { k: "big", v: 3, p: big });
      const listed = q(
        `SELECT k, v FROM ${probe} WHERE ${hub.dialect.inList("k", "text", "keys")} ORDER BY v`,
      ).defer(tx, { keys: hub.dialect.listParam(["x", odd, "nobody"]) });
      // A statement sent after deferred ones sees their effects.
      const seen = await q(`SELECT v FROM ${probe} WHERE k = :k`).query(tx, { k: "x" });
      const afterwards = q(`SELECT COUNT(*) AS n FROM ${probe}`).defer(tx);
      return { seen, deferred: { updated, inserted, large, listed, afterwards } };
    });
    assert.deepEqual(
      result.seen.map((row) => Number(row.v)),
      [42],
    );
    const { updated, inserted, large, listed, afterwards } = result.deferred;
    assert.deepEqual(await updated, [{ k: "x", v: 42 }]);
    assert.deepEqual(await inserted, [{ k: odd, v: -7 }]);
    assert.deepEqual(await large, [{ k: "big", v: 3, n: LARGE }]);
    assert.deepEqual(await listed, [
      { k: odd, v: -7 },
      { k: "x", v: 42 },
    ]);
    assert.deepEqual(
      (await afterwards).map((row) => Number(row.n)),
      [4],
    );
    assert.deepEqual(await keys(), [odd, "big", "pre", "x"].sort());
    assert.deepEqual(await q(`SELECT v FROM ${probe} WHERE k = :k`).defer(hub.driver, { k: odd }), [
      { v: -7 },
    ]);
  });

  it("group commit: a deferred failure belongs to its own grouped write only", async () => {
    const grouped = new GroupedWrites((fn) => hub.driver.transaction((tx) => fn(tx, [])));
    const big = "z".repeat(LARGE);
    /** Defers an insert whose `v` is NULL: a not-null violation. */
    const insertNull = (tx: SqlExecutor, k: string, p: string | null = null) =>
      q(`INSERT INTO ${probe} (k, v, p) VALUES (:k, :v, :p)`).defer(tx, { k, v: null, p });
    // Submitted in one tick: one transaction, each write in its own savepoint. Failures are constraint violations
    // (raised when the statement runs), two kinds, so that each write's error can be told from the others'.
    const writes = [
      grouped.submit(async (tx) => {
        void insert(tx, "w1");
        return "w1";
      }),
      grouped.submit(async (tx) => {
        void insert(tx, "w2");
        void insert(tx, "pre"); // unique violation
        return "w2";
      }),
      grouped.submit(async (tx) => {
        void insert(tx, "w3");
        return "w3";
      }),
      grouped.submit(async (tx) => {
        void insert(tx, "w4");
        void insertNull(tx, "w4-null"); // not-null violation
        return "w4";
      }),
      grouped.submit(async (tx) => {
        void insert(tx, "w5", big);
        void insert(tx, "pre", big); // unique violation, large parameters
        return "w5";
      }),
      grouped.submit(async (tx) => {
        void insertNull(tx, "w6", big); // not-null violation, large parameters
        return "w6";
      }),
      grouped.submit(async (tx) => {
        void insert(tx, "w7");
        return "w7";
      }),
    ];
    const settled = await Promise.allSettled(writes);
    const outcome = (s: PromiseSettledResult<string>) =>
      s.status === "fulfilled"
        ? s.value
        : /unique|duplicate key/i.test(String(s.reason))
          ? "unique"
          : /not[- ]null/i.test(String(s.reason))
            ? "not-null"
            : `other: ${String(s.reason)}`;
    assert.deepEqual(settled.map(outcome), ["w1", "unique", "w3", "not-null", "unique", "not-null", "w7"]);
    assert.deepEqual(
      await keys(),
      ["pre", "w1", "w3", "w7"],
      "the failed writes' other statements are undone",
    );
  });

  it("group commit: a duplicate create fails alone, the creates sharing its transaction succeed", async () => {
    await hub.createInstance(newInstance("active"));
    for (const order of [
      ["dup", "new-1"],
      ["new-2", "dup"],
      ["new-3", "dup", "new-4"],
    ]) {
      const settled = await Promise.allSettled(
        order.map((id) =>
          hub.createInstance(
            id === "dup"
              ? newInstance("active", { executionId: "other" })
              : newInstance(id, { input: `"${id}"` }),
          ),
        ),
      );
      settled.forEach((s, i) => {
        if (order[i] === "dup") {
          assert.equal(s.status, "rejected");
          assert.equal((s as PromiseRejectedResult).reason?.name, "InstanceAlreadyExistsError");
        } else
          assert.equal(s.status, "fulfilled", `${order[i]}: ${String((s as PromiseRejectedResult).reason)}`);
      });
    }
    for (const id of ["new-1", "new-2", "new-3", "new-4"]) {
      const record = await hub.getInstance(id);
      assert.equal(record?.status, "Pending");
      assert.equal(record?.input, `"${id}"`);
    }
    assert.equal(
      (await hub.getInstance("active"))?.executionId,
      "active-exec-1",
      "the active instance is untouched",
    );
    assert.equal((await hub.getStats()).inboxDepth, 5, "one start message per instance");
    const item = await lockInstance(hub, "active");
    assert.deepEqual(
      item.messages.map((m) => m.event.type === "ExecutionStarted" && m.event.executionId),
      ["active-exec-1"],
    );
    await rejectsWith(
      hub.createInstance(newInstance("active", { executionId: "again" })),
      "InstanceAlreadyExistsError",
    );
  });
}

describe("deferred statements: SQLite file", () => {
  deferTests(
    () => sqliteTaskHub(join(dir, `hub-${n++}.db`)),
    async () => undefined,
  );
});

// Statements sent without waiting (large parameters) must never overlap on a connection: `pg` warns (once per process)
// when a query is given to a client that is still running one.
const warnings: string[] = [];
process.on("warning", (warning) => warnings.push(warning.message));

describe("deferred statements: PostgreSQL", () => {
  beforeEach(requirePostgres);
  after(dropCreatedSchemas);
  after(async () => {
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(warnings, [], "no warnings (such as a query given to a busy pg client)");
  });
  deferTests(
    () => testHub(),
    async (hub) => {
      if (hub.dialect.schema) await dropSchema(hub.dialect.schema);
    },
  );
});
