/**
 * The SQLite and PostgreSQL classifiers of storage faults, on the drivers' own error objects: which codes become a
 * `TaskHubUnavailableError` (and with which fault), and that every other error passes through unchanged. The real
 * faults (a locked, full or read-only file; a read-only or stopped server) are in test/http/storage-faults.test.ts and
 * test/postgres/storage-faults.test.ts.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import pg from "pg";
import type { TaskHubUnavailableError } from "../../src/index.js";
import { isTaskHubUnavailableError } from "../../src/index.js";
import { classifyPgError } from "../../src/sql/postgres/pg-faults.js";
import { classifySqliteError } from "../../src/sql/sqlite/sqlite-faults.js";

function faultOf(error: unknown): string | undefined {
  return isTaskHubUnavailableError(error) ? error.fault : undefined;
}

describe("classifySqliteError", () => {
  it("names the fault of busy, locked, full, read-only, I/O and cannot-open errors, extended codes included", () => {
    const cases: [string, string][] = [
      ["SQLITE_BUSY", "busy"],
      ["SQLITE_BUSY_SNAPSHOT", "busy"],
      ["SQLITE_LOCKED", "busy"],
      ["SQLITE_FULL", "full"],
      ["SQLITE_READONLY", "read-only"],
      ["SQLITE_READONLY_DBMOVED", "read-only"],
      ["SQLITE_IOERR_WRITE", "io"],
      ["SQLITE_IOERR_FSYNC", "io"],
      ["SQLITE_CANTOPEN", "io"],
    ];
    for (const [code, fault] of cases) {
      const driverError = new Database.SqliteError("database or disk is full", code);
      const classified = classifySqliteError(driverError);
      assert.equal(faultOf(classified), fault, code);
      assert.equal((classified as TaskHubUnavailableError).driverCode, code);
      assert.equal((classified as TaskHubUnavailableError).cause, driverError);
      assert.match((classified as Error).message, new RegExp(`SQLite task hub is unavailable: .*${code}`));
      assert.equal(classifySqliteError(classified), classified, "classifying twice changes nothing");
    }
  });

  it("leaves constraint errors, corruption, misuse and plain errors as they are", () => {
    for (const error of [
      new Database.SqliteError("UNIQUE constraint failed", "SQLITE_CONSTRAINT_PRIMARYKEY"),
      new Database.SqliteError("database disk image is malformed", "SQLITE_CORRUPT"),
      new Database.SqliteError("bad parameter", "SQLITE_MISUSE"),
      new TypeError("The database connection is not open"),
      "a string",
      undefined,
    ])
      assert.equal(classifySqliteError(error), error);
  });
});

describe("classifyPgError", () => {
  const pgError = (code: string, message = "boom") => {
    const error = new pg.DatabaseError(message, message.length, "error");
    error.code = code;
    return error;
  };
  const socketError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code });

  it("names the fault of connection, resource, shutdown, read-only, lock and I/O errors", () => {
    const cases: [unknown, string][] = [
      [pgError("08006"), "unreachable"],
      [pgError("08001"), "unreachable"],
      [pgError("53100"), "full"],
      [pgError("53200"), "full"],
      [pgError("53300"), "busy"],
      [pgError("57P01"), "unreachable"],
      [pgError("57P02"), "unreachable"],
      [pgError("57P03"), "unreachable"],
      [pgError("25006"), "read-only"],
      [pgError("55P03"), "busy"],
      [pgError("58030"), "io"],
      [socketError("ECONNREFUSED"), "unreachable"],
      [socketError("ECONNRESET"), "unreachable"],
      [socketError("EPIPE"), "unreachable"],
      [socketError("ENOTFOUND"), "unreachable"],
      [new AggregateError([socketError("ECONNREFUSED"), socketError("ECONNREFUSED")]), "unreachable"],
      [new Error("Connection terminated unexpectedly"), "unreachable"],
      [new Error("Connection terminated due to connection timeout"), "unreachable"],
      [new Error("timeout exceeded when trying to connect"), "unreachable"],
      [new Error("Client has encountered a connection error and is not queryable"), "unreachable"],
    ];
    for (const [error, fault] of cases) {
      const classified = classifyPgError(error);
      assert.equal(faultOf(classified), fault, String(error));
      assert.equal((classified as Error).cause, error);
    }
    assert.equal((classifyPgError(pgError("53100")) as TaskHubUnavailableError).driverCode, "53100");
  });

  it("leaves constraint, serialization, cancellation, guard and syntax errors as they are", () => {
    for (const error of [
      pgError("23505"), // unique violation
      pgError("40001"), // serialization failure: retried by the driver
      pgError("40P01"), // deadlock
      pgError("57014"), // query cancelled (statement_timeout): not the server going away
      pgError("TH001"), // the hub's own guard
      pgError("42601"), // syntax error
      new Error("Cannot use a pool after calling end on the pool"),
      new TypeError("x is not a function"),
      null,
    ])
      assert.equal(classifyPgError(error), error);
  });
});
