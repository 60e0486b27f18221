/**
 * Schema migrations of the SQL task hubs: an ordered list of named, versioned steps, applied in one transaction and
 * recorded in a `schema_migrations` table.
 *
 * Safe when several processes start at once: SQLite serializes the migration transaction with `BEGIN IMMEDIATE`;
 * PostgreSQL takes a transaction-scoped advisory lock keyed by the hub's schema before looking at the version. A
 * database whose schema is newer than this code knows is refused with a {@link TaskHubError} (an older binary must not
 * write to a schema it does not understand).
 *
 * Rules for new migrations: append only (never edit a released one), give it the next version, keep each statement
 * valid for both dialects by using `d.types` and `d.table`.
 * @module
 */
import { TaskHubError } from "../core/errors.js";
import { systemClock, type Clock } from "../task-hub/clock.js";
import type { Dialect } from "./dialect.js";
import type { SqlDriver, SqlExecutor } from "./sql-driver.js";

/** One schema migration. */
export interface Migration {
  /** Strictly increasing from 1. */
  readonly version: number;
  /** A stable name, `NNNN_what`. */
  readonly name: string;
  /** DDL statements (one statement per string). */
  readonly up: (d: Dialect) => string[];
}

/** All migrations, in order. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "0001_core_tables",
    up: (d) => {
      const t = d.types;
      return [
        `CREATE TABLE ${d.table("instances")} (
          instance_id ${t.key} PRIMARY KEY,
          name ${t.text} NOT NULL,
          execution_id ${t.text} NOT NULL,
          status ${t.text} NOT NULL,
          input ${t.json},
          output ${t.json},
          failure ${t.json},
          custom_status ${t.json},
          created_at ${t.bigint} NOT NULL,
          last_updated_at ${t.bigint} NOT NULL,
          completed_at ${t.bigint},
          scheduled_start_at ${t.bigint},
          parent_instance_id ${t.key},
          version ${t.text},
          history_length ${t.integer} NOT NULL DEFAULT 0,
          lock_token ${t.text},
          locked_by ${t.text},
          lock_expires_at ${t.bigint},
          ready_at ${t.bigint}
        )`,
        // Claiming orchestration work: instances ordered by when they next become lockable (see sql-statements.ts).
        `CREATE INDEX instances_ready ON ${d.table("instances")} (ready_at) WHERE ready_at IS NOT NULL`,
        `CREATE INDEX instances_created ON ${d.table("instances")} (created_at, instance_id)`,
        `CREATE INDEX instances_status ON ${d.table("instances")} (status, created_at)`,
        `CREATE INDEX instances_parent ON ${d.table("instances")} (parent_instance_id)
          WHERE parent_instance_id IS NOT NULL`,
        `CREATE TABLE ${d.table("history")} (
          instance_id ${t.key} NOT NULL,
          seq ${t.integer} NOT NULL,
          event ${t.json} NOT NULL,
          PRIMARY KEY (instance_id, seq)
        )`,
        `CREATE TABLE ${d.table("inbox")} (
          id ${t.autoId},
          instance_id ${t.key} NOT NULL,
          execution_id ${t.text},
          event ${t.json} NOT NULL,
          visible_at ${t.bigint} NOT NULL,
          created_at ${t.bigint} NOT NULL
        )`,
        `CREATE INDEX inbox_instance ON ${d.table("inbox")} (instance_id, visible_at)`,
        `CREATE TABLE ${d.table("activity_queue")} (
          id ${t.autoId},
          instance_id ${t.key} NOT NULL,
          execution_id ${t.text} NOT NULL,
          task_id ${t.integer} NOT NULL,
          name ${t.text} NOT NULL,
          input ${t.json},
          attempt ${t.integer} NOT NULL,
          idempotency_key ${t.text} NOT NULL,
          visible_at ${t.bigint} NOT NULL,
          created_at ${t.bigint} NOT NULL,
          lock_token ${t.text},
          locked_by ${t.text},
          lock_expires_at ${t.bigint},
          delivery_count ${t.integer} NOT NULL DEFAULT 0
        )`,
        `CREATE INDEX activity_queue_visible ON ${d.table("activity_queue")} (visible_at, id)`,
        `CREATE INDEX activity_queue_instance ON ${d.table("activity_queue")} (instance_id)`,
      ];
    },
  },
  {
    version: 2,
    name: "0002_worker_health",
    up: (d) => {
      const t = d.types;
      return [
        // Workers seen (heartbeats), for `taskhub health`.
        `CREATE TABLE ${d.table("workers")} (
          worker_id ${t.key} PRIMARY KEY,
          first_seen_at ${t.bigint} NOT NULL,
          last_seen_at ${t.bigint} NOT NULL,
          orchestrations_in_flight ${t.integer} NOT NULL DEFAULT 0,
          activities_in_flight ${t.integer} NOT NULL DEFAULT 0,
          lease_takeovers ${t.bigint} NOT NULL DEFAULT 0
        )`,
        // Hub-wide counters (lease takeovers), kept when workers are forgotten.
        `CREATE TABLE ${d.table("counters")} (
          name ${t.key} PRIMARY KEY,
          value ${t.bigint} NOT NULL
        )`,
      ];
    },
  },
  {
    version: 3,
    name: "0003_lease_guards",
    // Databases with stored procedures (PostgreSQL) check the leases of a completion inside its transaction, so that
    // the whole commit (check, writes, notifications, COMMIT) is one round trip (see `postgres/pg-guards.ts`).
    up: (d) => d.leaseGuardFunctions(),
  },
  {
    version: 4,
    name: "0004_activity_timeouts",
    // A call's limits on an attempt (`callActivity`'s `timeoutMs` and `heartbeatTimeoutMs`; NULL: the activity's
    // defaults) travel with its message to the worker that runs it; the last heartbeat details a delivery stored go
    // to the next delivery.
    up: (d) => [
      `ALTER TABLE ${d.table("activity_queue")} ADD COLUMN timeout_ms ${d.types.bigint}`,
      `ALTER TABLE ${d.table("activity_queue")} ADD COLUMN heartbeat_timeout_ms ${d.types.bigint}`,
      `ALTER TABLE ${d.table("activity_queue")} ADD COLUMN heartbeat_details ${d.types.json}`,
    ],
  },
  {
    version: 5,
    name: "0005_instance_delivery_counts",
    // How many times an instance was leased since its last committed step (poison work: a step that keeps crashing
    // its worker is quarantined after `maxDeliveryCount` deliveries). Activities have counted theirs since 0001.
    up: (d) => [
      `ALTER TABLE ${d.table("instances")} ADD COLUMN delivery_count ${d.types.integer} NOT NULL DEFAULT 0`,
    ],
  },
  {
    version: 6,
    name: "0006_list_filter_indexes",
    // Every list filter walks an index in the listing order (created_at, instance_id) (see `list-plans.ts`). The
    // creation and status indexes are split by kind, orchestrations and entities (IDs starting with '@', Running as
    // long as they live), so that listing orchestrations never walks over entities; each row is in one of each pair.
    // The status index gains instance_id (ties in created_at were sorted). Names and versions never change after an
    // instance is created; the version index holds versioned instances only.
    up: (d) => {
      const instances = d.table("instances");
      const orchestration = "WHERE substr(instance_id, 1, 1) <> '@'";
      const entity = "WHERE substr(instance_id, 1, 1) = '@'";
      return [
        `DROP INDEX ${d.table("instances_status")}`,
        `DROP INDEX ${d.table("instances_created")}`,
        `CREATE INDEX orchestrations_by_created ON ${instances} (created_at, instance_id) ${orchestration}`,
        `CREATE INDEX entities_by_created ON ${instances} (created_at, instance_id) ${entity}`,
        `CREATE INDEX orchestrations_by_status ON ${instances} (status, created_at, instance_id) ${orchestration}`,
        `CREATE INDEX entities_by_status ON ${instances} (status, created_at, instance_id) ${entity}`,
        `CREATE INDEX instances_by_name ON ${instances} (name, created_at, instance_id)`,
        `CREATE INDEX instances_by_version ON ${instances} (version, created_at, instance_id)
          WHERE version IS NOT NULL`,
      ];
    },
  },
  {
    version: 7,
    name: "0007_churn_tables",
    // Storage for high churn (PostgreSQL; SQLite has no dead row versions). Every step updates its instance row and
    // inserts and deletes queue rows, each leaving a dead version behind until VACUUM; claims walk the dead entries
    // of their index until then. So: room on each instances page for an update to stay on it (a HOT update: no new
    // index entries, and the old version is pruned without VACUUM, when no indexed column changed, as in a step that
    // keeps its lease); autovacuum on the queues after every 1,000 dead rows however few are live (the default waits
    // for 20 % of the table), unthrottled (they are small once vacuumed); and on instances after 5 % (the table only
    // grows). The hub's own vacuuming uses the same thresholds (`postgres/pg-maintenance.ts`).
    up: (d) => [
      ...d.storageParameters("instances", {
        fillfactor: 80,
        autovacuum_vacuum_threshold: 1000,
        autovacuum_vacuum_scale_factor: 0.05,
        autovacuum_vacuum_insert_threshold: 1000,
        autovacuum_vacuum_insert_scale_factor: 0.05,
        autovacuum_analyze_threshold: 1000,
        autovacuum_analyze_scale_factor: 0.05,
      }),
      ...["inbox", "activity_queue"].flatMap((queue) =>
        d.storageParameters(queue, {
          autovacuum_vacuum_threshold: 1000,
          autovacuum_vacuum_scale_factor: 0,
          autovacuum_vacuum_insert_threshold: 1000,
          autovacuum_vacuum_insert_scale_factor: 0,
          autovacuum_analyze_threshold: 1000,
          autovacuum_analyze_scale_factor: 0,
          autovacuum_vacuum_cost_delay: 0,
        }),
      ),
    ],
  },
  {
    version: 8,
    name: "0008_analytics",
    // Analytics over history (`taskhub stats`, see `sql-analytics.ts`). Activity attempts: the history rows of
    // `TaskScheduled`, `TaskCompleted` and `TaskFailed` events carry the attempt's task ID, time, kind and (scheduled)
    // name in columns (`history-task-columns.ts`), written with the row: ended attempts are read by the time they
    // ended, each joined to its scheduled row by key, from two partial indexes and without parsing an event (rows
    // written before this migration have NULL columns: attempts that ended before it are not counted). Orchestrations:
    // finished instances by the time they finished.
    up: (d) => {
      const history = d.table("history");
      return [
        `ALTER TABLE ${history} ADD COLUMN task_event ${d.types.integer}`,
        `ALTER TABLE ${history} ADD COLUMN task_id ${d.types.integer}`,
        `ALTER TABLE ${history} ADD COLUMN task_name ${d.types.text}`,
        `ALTER TABLE ${history} ADD COLUMN task_at ${d.types.bigint}`,
        `CREATE INDEX history_task_ends ON ${history} (task_at, instance_id, task_id, task_event)
          WHERE task_event >= 2`,
        `CREATE INDEX history_tasks_scheduled ON ${history} (instance_id, task_id, task_name, task_at)
          WHERE task_event = 1`,
        `CREATE INDEX orchestrations_by_completed ON ${d.table("instances")}
          (completed_at, name, status, created_at, instance_id) WHERE completed_at IS NOT NULL`,
      ];
    },
  },
  {
    version: 9,
    name: "0009_activity_trace_context",
    // The trace context of the orchestration span that scheduled an activity (JSON `{ traceParent, traceState }`,
    // NULL: not traced), so that the activity's span joins the orchestration's trace in whichever worker runs it.
    up: (d) => [`ALTER TABLE ${d.table("activity_queue")} ADD COLUMN parent_trace_context ${d.types.json}`],
  },
  {
    version: 10,
    name: "0010_instance_tags",
    // Instance tags (JSON object text of string keys and values, NULL: no tags), written when the instance is created.
    // A tag filter walks the partial index of tagged instances in listing order, checking the tags on each entry.
    up: (d) => {
      const instances = d.table("instances");
      return [
        `ALTER TABLE ${instances} ADD COLUMN tags ${d.types.json}`,
        `CREATE INDEX instances_tagged ON ${instances} (created_at, instance_id) WHERE tags IS NOT NULL`,
      ];
    },
  },
];

/** The newest schema version this code knows. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

/** What {@link migrate} did. */
export interface MigrationResult {
  /** Schema version before. */
  readonly from: number;
  /** Schema version after. */
  readonly to: number;
  /** Names of the migrations applied now. */
  readonly applied: readonly string[];
}

/**
 * Brings the hub's schema to {@link LATEST_SCHEMA_VERSION} in one transaction. Idempotent and safe to run from
 * several processes at once. `clock` stamps the migrations applied (`applied_at`, informational).
 * @throws TaskHubError when the database's schema version is newer than this code knows.
 */
export async function migrate(
  driver: SqlDriver,
  dialect: Dialect,
  migrations: readonly Migration[] = MIGRATIONS,
  clock: Clock = systemClock,
): Promise<MigrationResult> {
  checkOrder(migrations);
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  const table = dialect.table("schema_migrations");
  const recordApplied = dialect.statement(
    `INSERT INTO ${table} (version, name, applied_at) VALUES (:version, :name, :appliedAt)`,
  );
  return driver.transaction(async (tx) => {
    for (const { statement, params } of dialect.migrationPrelude()) await statement.query(tx, params);
    await tx.run(
      `CREATE TABLE IF NOT EXISTS ${table} (
        version ${dialect.types.integer} PRIMARY KEY,
        name ${dialect.types.text} NOT NULL,
        applied_at ${dialect.types.bigint} NOT NULL
      )`,
    );
    const from = await currentVersion(tx, table);
    if (from > latest)
      throw new TaskHubError(
        `The task hub ${dialect.schema ? `schema "${dialect.schema}" ` : ""}is at schema version ${from}, newer than ` +
          `version ${latest} known to this version of Taskhub; upgrade Taskhub (refusing to touch a newer schema).`,
      );
    const applied: string[] = [];
    for (const migration of migrations) {
      if (migration.version <= from) continue;
      for (const statement of migration.up(dialect)) await tx.run(statement);
      await recordApplied.run(tx, {
        version: migration.version,
        name: migration.name,
        appliedAt: clock.now(),
      });
      applied.push(migration.name);
    }
    return { from, to: Math.max(from, latest), applied };
  });
}

/**
 * Checks, without changing anything (no schema, table or row is created), that the hub's schema exists and is at
 * the newest version of `migrations`; resolves with that version. For tools that only read a hub (`taskhub health`).
 * @throws TaskHubError when there is no Taskhub schema, or it is older or newer than this code knows.
 */
export async function checkSchema(
  driver: SqlDriver,
  dialect: Dialect,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number> {
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  const where = dialect.schema === undefined ? "the database" : `schema "${dialect.schema}"`;
  const found =
    dialect.schema === undefined
      ? await driver.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
      : await dialect
          .statement(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = :schema AND table_name = 'schema_migrations'",
          )
          .query(driver, { schema: dialect.schema });
  if (found.length === 0)
    throw new TaskHubError(
      `${where} holds no Taskhub task hub (a host creates it when it first starts: taskhub start).`,
    );
  const version = await currentVersion(driver, dialect.table("schema_migrations"));
  if (version < latest)
    throw new TaskHubError(
      `the task hub in ${where} is at schema version ${version}, older than version ${latest} of this version of ` +
        `Taskhub; start a host of this version (taskhub start) to upgrade it.`,
    );
  if (version > latest)
    throw new TaskHubError(
      `the task hub in ${where} is at schema version ${version}, newer than version ${latest} known to this ` +
        `version of Taskhub; upgrade Taskhub.`,
    );
  return version;
}

async function currentVersion(tx: SqlExecutor, table: string): Promise<number> {
  const rows = await tx.query<{ version: unknown }>(`SELECT MAX(version) AS version FROM ${table}`);
  const version = rows[0]?.version;
  return version === null || version === undefined ? 0 : Number(version);
}

function checkOrder(migrations: readonly Migration[]): void {
  migrations.forEach((migration, i) => {
    if (migration.version !== i + 1)
      throw new TaskHubError(
        `Migration ${migration.name} has version ${migration.version}, expected ${i + 1}.`,
      );
  });
}
