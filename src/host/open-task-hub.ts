/**
 * Opening the task hub a host was configured with: a SQLite file (or `:memory:`) or a PostgreSQL URL.
 * @module
 */
import type { LogSink } from "../core/logger.js";
import { postgresTaskHub } from "../sql/postgres/postgres-task-hub.js";
import type { SqlTaskHub } from "../sql/sql-task-hub.js";
import { sqliteTaskHub } from "../sql/sqlite/sqlite-task-hub.js";
import type { TaskHub } from "../task-hub/task-hub.js";
import { isPostgresUrl, resolveHubLocation } from "./hub-location.js";

/**
 * Opens the hub at `location` (`postgres://...` / `postgresql://...`, `:memory:`, a `file://` URL or a SQLite file
 * path; see {@link resolveHubLocation}, whose errors it throws). A PostgreSQL hub writes its own lines (the autovacuum
 * warning, its maintenance) to `logger`.
 */
export function openTaskHub(location: string, hubName: string, logger?: LogSink): TaskHub {
  if (isPostgresUrl(location)) return postgresTaskHub({ connectionString: location, hubName, logger });
  return sqliteTaskHub(resolveHubLocation(location));
}

/**
 * Opens the existing hub at `location` for reading only: a SQLite file is opened read-only (and must exist), a
 * PostgreSQL schema is not created and every transaction of its connections is read-only
 * (`default_transaction_read_only`), so a write would fail instead of happening. Call `checkSchema()` on it, never
 * `init()`.
 */
export function openTaskHubForReading(location: string, hubName: string): SqlTaskHub {
  if (isPostgresUrl(location))
    return postgresTaskHub({
      connectionString: location,
      hubName,
      pool: { options: "-c default_transaction_read_only=on" },
    });
  return sqliteTaskHub(resolveHubLocation(location), { readOnly: true });
}

/**
 * Opens the existing hub at `location` for operating on its instances (`taskhub instances`): writable, but never
 * created or migrated (a SQLite file is not created here when the caller checked it exists; a PostgreSQL schema is
 * created only by `init()`). Call `checkSchema()` on it, never `init()`.
 */
export function openTaskHubForOperations(location: string, hubName: string): SqlTaskHub {
  if (isPostgresUrl(location)) return postgresTaskHub({ connectionString: location, hubName });
  return sqliteTaskHub(resolveHubLocation(location));
}

/** The hub location for logs, without a PostgreSQL password. */
export function describeHubLocation(location: string): string {
  return location.replace(/^(postgres(?:ql)?:\/\/[^:/@]+):[^@]*@/i, "$1:***@");
}
