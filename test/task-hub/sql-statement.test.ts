/**
 * Statements with named parameters (`src/sql/statement.ts`): compiled once into each dialect's placeholders (casts,
 * quoted text and bulk columns left alone), bound by name, and refused with a clear error when a name is missing or
 * unknown. Binding runs on a real SQLite database.
 */
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import Database from "better-sqlite3";
import { TaskHubError } from "../../src/core/errors.js";
import type { Dialect } from "../../src/sql/dialect.js";
import { postgresDialect } from "../../src/sql/postgres/pg-dialect.js";
import { runBulk } from "../../src/sql/sql-bulk.js";
import { sqliteDialect } from "../../src/sql/sqlite/sqlite-dialect.js";
import { SqliteDriver } from "../../src/sql/sqlite/sqlite-driver.js";

const sqlite = sqliteDialect();
const pg = postgresDialect("hub");

describe("named SQL parameters", () => {
  it("compile to `?` on SQLite and `$n` on PostgreSQL, a placeholder per use, casts and quotes untouched", () => {
    const text = "SELECT :a::bigint, ':not' AS \":nor\", x::text FROM t WHERE b = :b AND c > :a";
    const lite = sqlite.statement(text);
    assert.equal(lite.text, "SELECT ?::bigint, ':not' AS \":nor\", x::text FROM t WHERE b = ? AND c > ?");
    assert.deepEqual(lite.names, ["a", "b", "a"]);
    const post = pg.statement(text);
    assert.equal(post.text, "SELECT $1::bigint, ':not' AS \":nor\", x::text FROM t WHERE b = $2 AND c > $3");
    assert.deepEqual(post.names, ["a", "b", "a"]);
  });

  it("refuse a `?` placeholder outside quotes", () => {
    for (const d of [sqlite, pg])
      assert.throws(() => d.statement("SELECT 1 FROM t WHERE a = ?"), /named parameters/);
    assert.equal(sqlite.statement("SELECT '?' AS q").text, "SELECT '?' AS q");
  });

  it("name the list parameters of the dialect helpers", () => {
    assert.deepEqual(sqlite.statement(`SELECT 1 WHERE ${sqlite.inList("x", "text", "ids")}`).names, ["ids"]);
    assert.equal(
      pg.statement(`SELECT 1 WHERE ${pg.inList("x", "text", "ids")}`).text,
      "SELECT 1 WHERE x = ANY($1::text[])",
    );
    assert.deepEqual(pg.statement(pg.listSource("key", "roots")).names, ["roots"]);
  });

  it("bind the PostgreSQL bulk rows as one array per column, then the named parameters", () => {
    const bulk = pg.bulk(
      [
        ["id", "bigint"],
        ["token", "text"],
      ],
      (r) => `DELETE FROM t WHERE ${r.matches(["id", "token"], ["id", "token"])} AND at >= :now`,
    );
    assert.match(bulk.sql, /unnest\(\$1::int8\[\], \$2::text\[\]\).*at >= \$3$/s);
    assert.deepEqual(
      bulk.bind(
        [
          { id: 1, token: "a" },
          { id: 2, token: "b" },
        ],
        { now: 7 },
      ),
      [[[1, 2], ["a", "b"], 7]],
    );
    assert.throws(() => bulk.bind([{ id: 1, token: "a" }]), /:now has no value/);
  });

  for (const d of [sqlite, pg])
    it(`refuse a bulk parameter named like a column (${d.name})`, () => {
      assert.throws(
        () => d.bulk([["now", "bigint"]], (r) => `UPDATE t SET a = ${r.col("now")}${r.from} WHERE b < :now`),
        /name/,
      );
    });

  describe("bound on SQLite", () => {
    let driver: SqliteDriver;
    const d: Dialect = sqlite;
    beforeEach(async () => {
      driver = new SqliteDriver(new Database(":memory:"));
      await driver.run("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER, w INTEGER)");
    });
    afterEach(() => driver.close());

    it("takes the values by name, whatever their order in the SQL", async () => {
      const insert = d.statement("INSERT INTO t (k, v, w) VALUES (:key, :value, :value + :extra)");
      await insert.run(driver, { extra: 1, value: 41, key: "a" });
      assert.deepEqual(
        await d.statement("SELECT k, v, w FROM t WHERE k = :key").query(driver, { key: "a" }),
        [{ k: "a", v: 41, w: 42 }],
      );
    });

    it("fails with a TaskHubError naming a missing or unknown parameter, running nothing", async () => {
      const insert = d.statement("INSERT INTO t (k, v) VALUES (:key, :value)");
      assert.throws(
        () => insert.run(driver, { key: "a" }),
        (error: unknown) =>
          error instanceof TaskHubError &&
          error.message ===
            "SQL parameter :value has no value (statement: INSERT INTO t (k, v) VALUES (:key, :value)).",
      );
      assert.throws(
        () => insert.run(driver, { key: "a", value: 1, valeu: 2 }),
        (error: unknown) => error instanceof TaskHubError && /:valeu is not used/.test(error.message),
      );
      assert.deepEqual(await driver.query("SELECT COUNT(*) AS n FROM t"), [{ n: 0 }]);
    });

    it("binds a bulk statement's rows and named parameters", async () => {
      const bulk = d.bulk(
        [
          ["k", "text"],
          ["v", "integer"],
        ],
        (r) => `INSERT INTO t (k, v, w) SELECT ${r.col("k")}, ${r.col("v")}, :w${r.from} WHERE true`,
      );
      const rows = [
        { k: "a", v: 1 },
        { k: "b", v: 2 },
      ];
      assert.equal(await runBulk(driver, bulk, rows, { w: 9 }), 2);
      assert.deepEqual(await driver.query("SELECT k, v, w FROM t ORDER BY k"), [
        { k: "a", v: 1, w: 9 },
        { k: "b", v: 2, w: 9 },
      ]);
      await assert.rejects(runBulk(driver, bulk, [{ k: "c", v: 3 }], { w: 9, x: 1 }), /:x is not used/);
      assert.throws(() => bulk.bind([{ k: "c", v: 3 }]), /:w has no value/);
    });
  });
});
