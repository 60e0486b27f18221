/**
 * Opening the task hub a host was configured with: a SQLite file (or `:memory:`) or a PostgreSQL URL.
 * @module
 */
import { postgresTaskHub } from "../sql/postgres/postgres-task-hub.js";
import { sqliteTaskHub } from "../sql/sqlite/sqlite-task-hub.js";
import type { TaskHub } from "../task-hub/task-hub.js";

/** Opens the hub at `location` (`postgres://...` / `postgresql://...`, `:memory:`, or a SQLite file path). */
export function openTaskHub(location: string, hubName: string): TaskHub {
  if (/^postgres(ql)?:\/\//i.test(location)) return postgresTaskHub({ connectionString: location, hubName });
  return sqliteTaskHub(location);
}

/** The hub location for logs, without a PostgreSQL password. */
export function describeHubLocation(location: string): string {
  return location.replace(/^(postgres(?:ql)?:\/\/[^:/@]+):[^@]*@/i, "$1:***@");
}
