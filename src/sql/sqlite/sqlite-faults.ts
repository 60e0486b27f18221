/**
 * Which SQLite errors are storage faults ({@link TaskHubUnavailableError}): the database cannot take the operation
 * now, but may once the fault is fixed. Other errors (a constraint, a bug, a corrupt file) pass through unchanged.
 * @module
 */
import { TaskHubUnavailableError, type StorageFault } from "../../core/errors.js";

/** The fault of each primary result code (extended codes such as `SQLITE_IOERR_WRITE` share their primary's). */
const FAULTS: Readonly<Record<string, { readonly fault: StorageFault; readonly what: string }>> = {
  SQLITE_BUSY: {
    fault: "busy",
    what: "the database is locked by another connection beyond the busy timeout",
  },
  SQLITE_LOCKED: { fault: "busy", what: "a table of the database is locked" },
  SQLITE_FULL: { fault: "full", what: "the database or the disk is full" },
  SQLITE_READONLY: { fault: "read-only", what: "the database is read-only" },
  SQLITE_IOERR: { fault: "io", what: "the database file could not be read or written (I/O error)" },
  SQLITE_CANTOPEN: { fault: "io", what: "the database file (or its journal) cannot be opened" },
};

/**
 * `error` as a {@link TaskHubUnavailableError} when it is a SQLite storage fault (`SQLITE_BUSY*`, `SQLITE_LOCKED*`,
 * `SQLITE_FULL`, `SQLITE_READONLY*`, `SQLITE_IOERR*`, `SQLITE_CANTOPEN*`), else `error` itself.
 */
export function classifySqliteError(error: unknown): unknown {
  if (error instanceof TaskHubUnavailableError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== "string" || !code.startsWith("SQLITE_")) return error;
  const primary = /^SQLITE_[A-Z]+/.exec(code)?.[0] ?? code;
  const known = FAULTS[primary];
  if (!known) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new TaskHubUnavailableError(
    known.fault,
    `The SQLite task hub is unavailable: ${known.what} (${code}: ${detail}).`,
    { driverCode: code, cause: error },
  );
}
