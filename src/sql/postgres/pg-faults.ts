/**
 * Which PostgreSQL errors are storage faults ({@link TaskHubUnavailableError}): the server cannot be reached or
 * cannot take the operation now, but may once the fault is fixed. Other errors (a constraint, a guard, a bug) pass
 * through unchanged.
 * @module
 */
import { TaskHubUnavailableError, type StorageFault } from "../../core/errors.js";

interface Known {
  readonly fault: StorageFault;
  readonly what: string;
}

const UNREACHABLE: Known = { fault: "unreachable", what: "the database server cannot be reached" };

/** SQLSTATE codes, then SQLSTATE classes (their first two characters). */
const BY_SQLSTATE: Readonly<Record<string, Known>> = {
  "25006": { fault: "read-only", what: "the database is read-only" },
  "55P03": { fault: "busy", what: "a lock could not be obtained in time" },
  "53100": { fault: "full", what: "the database server's disk is full" },
  "53300": { fault: "busy", what: "the database server has too many connections" },
  "57P01": { fault: "unreachable", what: "the database server is shutting down" },
  "57P02": { fault: "unreachable", what: "the database server crashed" },
  "57P03": {
    fault: "unreachable",
    what: "the database server is not accepting connections (starting up or shutting down)",
  },
  "58030": { fault: "io", what: "the database server had an I/O error" },
};
const BY_CLASS: Readonly<Record<string, Known>> = {
  "08": { fault: "unreachable", what: "the connection to the database server failed" },
  "53": { fault: "full", what: "the database server is out of resources" },
  "57": { fault: "unreachable", what: "the database server ended the session" },
};

/** Socket and DNS errors of the connection to the server. */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "ENETUNREACH",
  "ENETDOWN",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/** What `pg` and `pg-pool` throw, without a code, when a connection is lost or cannot be made in time. */
const LOST_CONNECTION =
  /^(Connection terminated|timeout exceeded when trying to connect|timeout expired|Query read timeout|Client has encountered a connection error|Client was closed and is not queryable)/;

/**
 * `error` as a {@link TaskHubUnavailableError} when it is a PostgreSQL storage fault: SQLSTATE classes 08
 * (connection exception), 53 (insufficient resources) and 57 (operator intervention, but `57014` query cancelled),
 * `25006` (read-only transaction), `55P03` (lock not available), `58030` (I/O error); a socket or DNS error reaching
 * the server; or `pg`'s lost-connection errors. Else `error` itself.
 */
export function classifyPgError(error: unknown): unknown {
  if (error instanceof TaskHubUnavailableError) return error;
  const found = faultOf(error);
  if (!found) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new TaskHubUnavailableError(
    found.known.fault,
    `The PostgreSQL task hub is unavailable: ${found.known.what} (${found.code ? `${found.code}: ` : ""}${detail}).`,
    { driverCode: found.code, cause: error },
  );
}

function faultOf(error: unknown): { known: Known; code: string | undefined } | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") {
    if (NETWORK_CODES.has(code)) return { known: UNREACHABLE, code };
    if (/^[0-9A-Z]{5}$/.test(code) && code !== "57014") {
      const known = BY_SQLSTATE[code] ?? BY_CLASS[code.slice(0, 2)];
      return known ? { known, code } : undefined;
    }
  }
  // Connecting to a name with several addresses (localhost: ::1 and 127.0.0.1) fails with one error per address.
  if (error instanceof AggregateError)
    for (const inner of error.errors as unknown[]) {
      const found = faultOf(inner);
      if (found) return found;
    }
  if (error instanceof Error && LOST_CONNECTION.test(error.message))
    return { known: UNREACHABLE, code: typeof code === "string" ? code : undefined };
  return undefined;
}
