/**
 * The SQLite task hub: one database file (or `:memory:`) per hub, through better-sqlite3.
 * @module
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, realpathSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import Database from "better-sqlite3";
import { InvalidArgumentError, TaskHubError } from "../../core/errors.js";
import { checkOptions } from "../../core/options.js";
import type { Clock } from "../../task-hub/clock.js";
import { sqliteDialect } from "./sqlite-dialect.js";
import { NoticeBus } from "../notice-bus.js";
import { AsyncMutex, SqliteDriver } from "./sqlite-driver.js";
import { checkedWrites } from "../checked-writes.js";
import { SqlTaskHub } from "../sql-task-hub.js";

/** SQLite durability levels (`PRAGMA synchronous`). */
export type SqliteSynchronous = "off" | "normal" | "full" | "extra";

/** Options of {@link sqliteTaskHub}. */
export interface SqliteTaskHubOptions {
  /**
   * How hard SQLite works to make each commit durable (`PRAGMA synchronous`). The hub runs in WAL mode.
   * - `"full"` (default): every commit is flushed to disk before it returns; survives process crashes and power loss.
   * - `"normal"`: the WAL is flushed at checkpoints only. Survives process crashes (the database never corrupts), but
   *   a power loss or OS crash may lose the last commits. Much faster commits; a good choice for development and for
   *   workloads that can replay a few lost seconds.
   * - `"extra"`: like full, also syncs the directory after deleting journals; for the paranoid.
   * - `"off"`: no flushing at all; a power loss may corrupt the database. Tests and throwaway hubs only.
   *
   * Whatever the level, transactions that only take or release leases (locking work items, abandoning) commit at
   * `"normal"`: losing one to a power loss is the same as an expired lease, and the WAL is synced in order by the
   * next durable commit. With `"full"`, a 1-activity orchestration costs 4 disk syncs instead of 7.
   */
  readonly synchronous?: SqliteSynchronous | undefined;
  /** How long a writer waits for another process's write lock before failing with SQLITE_BUSY (default 5000 ms). */
  readonly busyTimeoutMs?: number | undefined;
  /**
   * Where the hub reads time: leases, visibility, timers, stored times (default: the system clock). Workers and
   * clients on the hub read it too. A `ManualClock` (`taskhub/testing`) runs the hub on virtual time.
   */
  readonly clock?: Clock | undefined;
  /**
   * Opens an existing file read-only, for tools that only read a hub (`taskhub health`): nothing is created (not the
   * file nor its directory) and the file is not changed (its journal mode included). Use `checkSchema()` instead of
   * `init()`. Default false.
   */
  readonly readOnly?: boolean | undefined;
}

const SYNCHRONOUS: readonly SqliteSynchronous[] = ["off", "normal", "full", "extra"];

/**
 * Opens (creating it and its parent directory when missing, readable by the owner only) a SQLite task hub at `path`,
 * or an in-memory one for `":memory:"` (private to this hub object). Call `init()` before use to create or upgrade
 * the schema.
 *
 * Several processes may open the same file: writes are serialized by SQLite (`BEGIN IMMEDIATE`, waiting up to
 * `busyTimeoutMs`; that wait blocks the event loop, so keep other processes' transactions short). Hub objects of one
 * process on one file take turns through a shared in-process lock instead. Notices (`subscribe`) reach only hub objects of the same process (they share one in-process bus
 * per file); workers in other processes find new work by polling.
 *
 * @throws InvalidArgumentError for an unknown option or an option of the wrong type or value: options are never
 *   silently ignored.
 */
export function sqliteTaskHub(path: string, options: SqliteTaskHubOptions = {}): SqlTaskHub {
  if (typeof path !== "string")
    throw new InvalidArgumentError(
      `sqliteTaskHub: the path must be a string (or ":memory:"), got ${typeof path}.`,
    );
  checkOptions("sqliteTaskHub", options, {
    synchronous: "string",
    busyTimeoutMs: "integer",
    clock: "object",
    readOnly: "boolean",
  });
  const synchronous = options.synchronous ?? "full";
  if (!SYNCHRONOUS.includes(synchronous))
    throw new InvalidArgumentError(
      `synchronous must be one of ${SYNCHRONOUS.join(", ")}, got '${synchronous}'.`,
    );
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0)
    throw new InvalidArgumentError(`busyTimeoutMs must be a non-negative integer, got ${busyTimeoutMs}.`);
  const memory = path === ":memory:" || path === "";
  const readOnly = options.readOnly === true;
  if (readOnly && (memory || !existsSync(path)))
    throw new TaskHubError(
      memory ? "An in-memory SQLite task hub cannot be opened read-only." : `No SQLite task hub at ${path}.`,
    );
  const created = !memory && !readOnly && createPrivateFile(path);
  const db = new Database(memory ? ":memory:" : path, { readonly: readOnly, fileMustExist: readOnly });
  try {
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    if (!memory && !readOnly) useWal(db, busyTimeoutMs);
    if (created) makeSidecarsPrivate(path);
    db.pragma(`synchronous = ${synchronous.toUpperCase()}`);
    db.pragma("temp_store = MEMORY");
  } catch (error) {
    db.close();
    throw error;
  }
  const shared = memory
    ? { bus: new NoticeBus(), mutex: new AsyncMutex(), release: () => {} }
    : acquireFile(realpathSync(resolve(path)));
  return new SqlTaskHub({
    driver: new SqliteDriver(db, shared.mutex, synchronous),
    dialect: sqliteDialect(),
    writes: checkedWrites,
    description: `sqlite:${memory ? ":memory:" : path}`,
    bus: shared.bus,
    onClose: shared.release,
    clock: options.clock,
    noticesComplete: memory, // a file may be written by another process, which notifies no one here
  });
}

/**
 * Creates the database file (and its missing parent directories), readable by the owner only (0600, directories
 * 0700): a hub holds every input, output and event. Returns false when the file exists already; its mode is left as
 * the user set it.
 */
function createPrivateFile(path: string): boolean {
  mkdirSync(dirname(resolve(path)), { recursive: true, mode: 0o700 });
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
  closeSync(fd);
  return true;
}

/**
 * SQLite creates the `-wal` and `-shm` files with the database file's mode; this makes sure of it for a new hub
 * whatever the SQLite build, never loosening a mode.
 */
function makeSidecarsPrivate(path: string): void {
  for (const sidecar of [`${path}-wal`, `${path}-shm`]) {
    let mode: number;
    try {
      mode = statSync(sidecar).mode & 0o777;
    } catch {
      continue; // not there (yet): SQLite gives it the database file's mode when it creates it
    }
    if ((mode & 0o077) !== 0) chmodSync(sidecar, mode & 0o700);
  }
}

/**
 * Puts the file in WAL mode. The conversion needs exclusive access and SQLite does not run the busy handler for it,
 * so several processes opening a new file at once can get SQLITE_BUSY here however long `busy_timeout` is. WAL is a
 * property of the file, so once any process has converted it there is nothing to do; until then the conversion is
 * retried with backoff within the same `busyTimeoutMs` budget.
 */
function useWal(db: Database.Database, busyTimeoutMs: number): void {
  const deadline = performance.now() + busyTimeoutMs; // a real wait, measured on the monotonic clock
  for (let delayMs = 1; ; delayMs = Math.min(delayMs * 2, 50)) {
    let mode: unknown;
    try {
      db.pragma("schema_version"); // reads the header (busy handler applies), so the mode read next is the file's
      if (db.pragma("journal_mode", { simple: true }) === "wal") return;
      mode = db.pragma("journal_mode = WAL", { simple: true });
      if (mode === "wal") return;
    } catch (error) {
      if (!isBusy(error) || performance.now() >= deadline) throw error;
    }
    if (mode !== undefined && performance.now() >= deadline)
      throw new Error(
        `SQLite kept the file in journal mode '${String(mode)}' instead of switching it to WAL.`,
      );
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, delayMs);
  }
}

function isBusy(error: unknown): boolean {
  return error instanceof Database.SqliteError && error.code.startsWith("SQLITE_BUSY");
}

/** What hub objects of this process opened on one file share. */
interface SharedFile {
  /** Notices committed through any of them reach subscribers of all. */
  readonly bus: NoticeBus;
  /** Their connections take turns (see {@link SqliteDriver}). */
  readonly mutex: AsyncMutex;
  users: number;
}

const files = new Map<string, SharedFile>();

function acquireFile(key: string): SharedFile & { release: () => void } {
  let file = files.get(key);
  if (!file) {
    file = { bus: new NoticeBus(), mutex: new AsyncMutex(), users: 0 };
    files.set(key, file);
  }
  file.users++;
  const current = file;
  let released = false;
  return {
    ...current,
    release: () => {
      if (released) return;
      released = true;
      if (--current.users === 0 && files.get(key) === current) files.delete(key);
    },
  };
}
