/**
 * Every fixed SQL statement of the SQL task hubs, written once for both dialects and built once per hub (so the
 * drivers' prepared-statement caches see stable text).
 *
 * ## How orchestration work is found: `instances.ready_at`
 * Claiming work must not scan the inbox. Each instance row carries `ready_at`, the earliest time it may next be
 * leased, kept exact by {@link Statements.refreshReady} after every change to its inbox or lease:
 * `NULL` with an empty inbox, else `max(lock_expires_at, min(inbox.visible_at))` (without a lease, just the minimum).
 * Taking a lease sets it to the lease expiry, so leased instances leave the claim range until their lease expires.
 * The claim is then an index range scan `ready_at <= now ORDER BY ready_at LIMIT max` (partial index
 * `instances_ready`). Activity messages use the same idea with `visible_at` (set to the lease expiry on lease).
 * @module
 */
import type { BulkColumn, BulkRows, BulkStatement, Dialect } from "./dialect.js";
import type { Statement } from "./statement.js";
import { INSTANCE_COLUMNS, MAX_MESSAGES_PER_WORK_ITEM } from "./sql-rows.js";

/** SQL literal list of the statuses in which an instance is finished. */
export const TERMINAL_SQL = "('Completed', 'Failed', 'Terminated')";

/** The fixed statements of one hub (dynamic listing / purge filters are built in `sql-queries.ts`). */
export type Statements = ReturnType<typeof buildStatements>;

/**
 * How new instance rows are inserted (shared with the guarded inserts of `postgres/guarded-writes.ts`): the columns of
 * a row leased at once and of a row due at `ready_at`, and the `INSERT` without its `ON CONFLICT` clause.
 */
export function newInstanceInserts(d: Dialect) {
  const instances = d.table("instances");
  /** Columns of a new instance row (see `upsertInstances`, `insertLeasedInstances`). */
  const newInstanceColumns = [
    ["instance_id", "text"],
    ["name", "text"],
    ["execution_id", "text"],
    ["input", "text"],
    ["created_at", "bigint"],
    ["scheduled_start_at", "bigint"],
    ["parent_instance_id", "text"],
    ["version", "text"],
    ["tags", "text"],
  ] as const satisfies readonly BulkColumn[];
  /** ... of a new instance created already leased (see `insertLeasedInstances`). */
  const leasedInstanceColumns = [
    ...newInstanceColumns,
    ["lock_token", "text"],
    ["locked_by", "text"],
    ["lock_expires_at", "bigint"],
  ] as const satisfies readonly BulkColumn[];
  const dueInstanceColumns = [
    ...newInstanceColumns,
    ["ready_at", "bigint"],
  ] as const satisfies readonly BulkColumn[];
  type Column = (typeof leasedInstanceColumns)[number][0] | (typeof dueInstanceColumns)[number][0];
  /**
   * Inserts new instance rows (Pending, empty history): due at `ready_at`, or (`leased`) already leased by
   * `lock_token` until `lock_expires_at`. The caller adds the `ON CONFLICT` clause.
   */
  const insertNewInstances = (r: BulkRows<Column>, leased: boolean) => {
    const lease = leased
      ? [
          ", lock_token, locked_by, lock_expires_at",
          `, ${r.col("lock_token")}, ${r.col("locked_by")}, ${r.col("lock_expires_at")}`,
        ]
      : ["", ""];
    return `INSERT INTO ${instances} AS i (instance_id, name, execution_id, status, input, created_at, last_updated_at,
       scheduled_start_at, parent_instance_id, version, tags, history_length, ready_at${lease[0]})
     SELECT ${r.col("instance_id")}, ${r.col("name")}, ${r.col("execution_id")}, 'Pending', ${r.col("input")},
       ${r.col("created_at")}, ${r.col("created_at")}, ${r.col("scheduled_start_at")}, ${r.col("parent_instance_id")},
       ${r.col("version")}, ${r.col("tags")}, 0, ${r.col(leased ? "lock_expires_at" : "ready_at")}${lease[1]}${r.from} WHERE true`;
  };
  return { leasedInstanceColumns, dueInstanceColumns, insertNewInstances };
}

/** Builds the statements for `d`. */
export function buildStatements(d: Dialect) {
  const instances = d.table("instances");
  const history = d.table("history");
  const inbox = d.table("inbox");
  const activities = d.table("activity_queue");
  const workers = d.table("workers");
  const counters = d.table("counters");
  /** `instance_id` among the list parameter `:ids`. */
  const idList = d.inList("instance_id", "text", "ids");
  const sql = (text: string) => d.statement(text);
  /** A released lease's delivery count: given back unless `:countDelivery` is 1 (see `TaskHub.abandonWorkItem`). */
  const givenBack =
    "CASE WHEN :countDelivery = 0 AND delivery_count > 0 THEN delivery_count - 1 ELSE delivery_count END";

  const { leasedInstanceColumns, dueInstanceColumns, insertNewInstances } = newInstanceInserts(d);

  const statements = {
    tables: { instances, history, inbox, activities, workers, counters },

    // ---- instances ----
    getInstance: sql(`SELECT ${INSTANCE_COLUMNS} FROM ${instances} WHERE instance_id = :instanceId`),
    /** A Failed instance a rewind was sent to becomes Pending at once (see `TaskHub.appendInboxMessage`). */
    markRewound: sql(
      `UPDATE ${instances} SET status = 'Pending', failure = NULL, last_updated_at = :now
       WHERE instance_id = :instanceId AND status = 'Failed'`,
    ),
    /** Reads (and on PostgreSQL locks, in ID order to avoid deadlocks) the instance rows a write touches. */
    lockInstances: sql(
      `SELECT instance_id, status, lock_token, lock_expires_at, history_length FROM ${instances}
       WHERE ${idList} ORDER BY instance_id${d.forUpdate}`,
    ),
    /** Creates instances, or resets finished ones with the same ID; returns the IDs written. */
    upsertInstances: d.bulk(
      dueInstanceColumns,
      (r) =>
        `${insertNewInstances(r, false)}
         ON CONFLICT (instance_id) DO UPDATE SET name = excluded.name, execution_id = excluded.execution_id,
           status = excluded.status, input = excluded.input, output = NULL, failure = NULL, custom_status = NULL,
           created_at = excluded.created_at, last_updated_at = excluded.last_updated_at, completed_at = NULL,
           scheduled_start_at = excluded.scheduled_start_at, parent_instance_id = excluded.parent_instance_id,
           version = excluded.version, tags = excluded.tags, history_length = 0, lock_token = NULL, locked_by = NULL,
           lock_expires_at = NULL, delivery_count = 0, ready_at = excluded.ready_at
         WHERE i.status IN ${TERMINAL_SQL}
         RETURNING instance_id`,
    ),
    /**
     * Creates instances, already leased, whose first step commits in the same transaction
     * (`FastPathCompletion.createsInstance`); returns the IDs created (an ID in use is skipped).
     */
    insertLeasedInstances: d.bulk(
      leasedInstanceColumns,
      (r) => `${insertNewInstances(r, true)} ON CONFLICT (instance_id) DO NOTHING RETURNING instance_id`,
    ),
    /**
     * Writes the state produced by orchestration steps and releases their leases; `ready_at` from the inbox left (run
     * it after the step's inbox writes). Returns the new `ready_at` of each (non-NULL: messages are waiting). The
     * delivery count restarts: 0, or 1 for a lease kept (the delivery goes on).
     */
    updateInstances: d.bulk(
      [
        ["instance_id", "text"],
        ["status", "text"],
        ["execution_id", "text"],
        ["name", "text"],
        ["input", "text"],
        ["output", "text"],
        ["failure", "text"],
        ["custom_status", "text"],
        ["completed_at", "bigint"],
        ["history_length", "integer"],
        ["now", "bigint"],
        ["keep_lease", "integer"],
        ["version", "text"],
      ],
      (r) => {
        const keep = `${r.col("keep_lease")} = 1`;
        return `UPDATE ${instances} AS i SET status = ${r.col("status")}, execution_id = ${r.col("execution_id")},
           name = ${r.col("name")}, input = ${r.col("input")}, output = ${r.col("output")},
           failure = ${r.col("failure")}, custom_status = ${r.col("custom_status")},
           completed_at = ${r.col("completed_at")}, history_length = ${r.col("history_length")},
           version = COALESCE(${r.col("version")}, i.version),
           last_updated_at = ${r.col("now")},
           lock_token = CASE WHEN ${keep} THEN i.lock_token END, locked_by = CASE WHEN ${keep} THEN i.locked_by END,
           lock_expires_at = CASE WHEN ${keep} THEN i.lock_expires_at END,
           delivery_count = CASE WHEN ${keep} THEN 1 ELSE 0 END,
           ready_at = (SELECT CASE WHEN ${keep} AND i.lock_expires_at > MIN(b.visible_at) THEN i.lock_expires_at
                                   ELSE MIN(b.visible_at) END
                       FROM ${inbox} AS b WHERE b.instance_id = i.instance_id)${r.from}
         WHERE i.instance_id = ${r.col("instance_id")}
         RETURNING ready_at, lock_token`;
      },
    ),
    /** Recomputes `ready_at` of the listed instances from their inbox and lease (see the module documentation). */
    refreshReady: sql(
      `UPDATE ${instances} AS i SET ready_at = (
         SELECT CASE WHEN MIN(b.visible_at) IS NULL THEN NULL
                     WHEN i.lock_expires_at IS NOT NULL AND i.lock_expires_at > MIN(b.visible_at) THEN i.lock_expires_at
                     ELSE MIN(b.visible_at) END
         FROM ${inbox} AS b WHERE b.instance_id = i.instance_id)
       WHERE ${d.inList("i.instance_id", "text", "ids")}`,
    ),
    /**
     * Moves `ready_at` of instances that just received a message visible at `visible_at` (one row per instance, the
     * earliest of its new messages), without reading the inbox: `ready_at` stays
     * `max(lock_expires_at, min(visible_at))` when it was exact before.
     */
    bumpReady: d.bulk(
      [
        ["instance_id", "text"],
        ["visible_at", "bigint"],
      ],
      (r) => {
        const v = r.col("visible_at");
        const earliest = `CASE WHEN i.ready_at IS NOT NULL AND i.ready_at < ${v} THEN i.ready_at ELSE ${v} END`;
        return `UPDATE ${instances} AS i SET ready_at = CASE
             WHEN i.lock_expires_at IS NOT NULL AND i.lock_expires_at > ${earliest} THEN i.lock_expires_at
             ELSE ${earliest} END${r.from}
           WHERE i.instance_id = ${r.col("instance_id")}`;
      },
    ),
    deleteInstancesHistory: sql(`DELETE FROM ${history} WHERE ${idList}`),
    deleteInstancesInbox: sql(`DELETE FROM ${inbox} WHERE ${idList}`),
    deleteInstancesActivities: sql(`DELETE FROM ${activities} WHERE ${idList}`),
    /** Deletes finished instances among the listed ones; returns the IDs deleted. */
    deleteFinishedInstances: sql(
      `DELETE FROM ${instances} WHERE ${idList} AND status IN ${TERMINAL_SQL} RETURNING instance_id`,
    ),
    /** Deletes the listed instances whose inbox is empty (`deleteIfIdle`); returns the IDs deleted. */
    deleteIdleInstances: sql(
      `DELETE FROM ${instances} WHERE ${idList}
         AND NOT EXISTS (SELECT 1 FROM ${inbox} AS b WHERE b.instance_id = ${instances}.instance_id)
       RETURNING instance_id`,
    ),
    /** The listed instances plus their finished sub-orchestrations, recursively. */
    finishedDescendants: sql(
      `WITH RECURSIVE tree(id) AS (
         ${d.listSource("key", "ids")}
         UNION
         SELECT c.instance_id FROM ${instances} AS c JOIN tree AS t ON c.parent_instance_id = t.id
         WHERE c.status IN ${TERMINAL_SQL}
       ) SELECT id FROM tree`,
    ),

    // ---- history ----
    getHistory: sql(`SELECT seq, event FROM ${history} WHERE instance_id = :instanceId ORDER BY seq`),
    insertHistory: d.bulk(
      [
        ["instance_id", "text"],
        ["seq", "integer"],
        ["event", "text"],
        // The activity columns (migration 0008, see `history-task-columns.ts`).
        ["task_event", "integer"],
        ["task_id", "integer"],
        ["task_name", "text"],
        ["task_at", "bigint"],
      ],
      (r) =>
        `INSERT INTO ${history} (instance_id, seq, event, task_event, task_id, task_name, task_at) ${r.values()}`,
    ),

    // ---- inbox ----
    /** Inserts messages for instances that exist (others are dropped). */
    insertMessages: d.bulk(
      [
        ["instance_id", "text"],
        ["execution_id", "text"],
        ["event", "text"],
        ["visible_at", "bigint"],
        ["created_at", "bigint"],
      ],
      (r) =>
        `INSERT INTO ${inbox} (instance_id, execution_id, event, visible_at, created_at)
         SELECT ${r.col("instance_id")}, ${r.col("execution_id")}, ${r.col("event")}, ${r.col("visible_at")},
           ${r.col("created_at")}${r.from}
         WHERE EXISTS (SELECT 1 FROM ${instances} AS i WHERE i.instance_id = ${r.col("instance_id")})${r.orderBy}`,
    ),
    deleteMessages: d.bulk(
      [
        ["instance_id", "text"],
        ["id", "bigint"],
      ],
      (r) => `DELETE FROM ${inbox} WHERE ${r.matches(["instance_id", "id"], ["instance_id", "id"])}`,
    ),
    delayMessages: sql(
      `UPDATE ${inbox} SET visible_at = :visibleAt
       WHERE instance_id = :instanceId AND ${d.inList("id", "bigint", "messageIds")}`,
    ),

    // ---- orchestration work items ----
    anyReadyInstance: sql(
      `SELECT instance_id FROM ${instances}
       WHERE ready_at <= :now AND (lock_expires_at IS NULL OR lock_expires_at < :now) LIMIT 1`,
    ),
    claimInstances: sql(
      `SELECT ${INSTANCE_COLUMNS}, locked_by, delivery_count FROM ${instances}
       WHERE ready_at <= :now AND (lock_expires_at IS NULL OR lock_expires_at < :now)
       ORDER BY ready_at LIMIT :max${d.skipLocked}`,
    ),
    /** {@link claimInstances} among the listed instances (local dispatch). */
    claimInstancesAmong: sql(
      `SELECT ${INSTANCE_COLUMNS}, locked_by, delivery_count FROM ${instances}
       WHERE ready_at <= :now AND (lock_expires_at IS NULL OR lock_expires_at < :now) AND ${idList}
       ORDER BY ready_at LIMIT :max${d.skipLocked}`,
    ),
    /** The visible messages of the listed instances, the first {@link MAX_MESSAGES_PER_WORK_ITEM} of each. */
    visibleMessages: sql(
      `SELECT id, instance_id, execution_id, event, visible_at FROM (
         SELECT b.*, row_number() OVER (PARTITION BY instance_id ORDER BY id) AS n FROM ${inbox} AS b
         WHERE ${idList} AND visible_at <= :now
       ) AS b WHERE n <= ${MAX_MESSAGES_PER_WORK_ITEM} ORDER BY id`,
    ),
    /** Leases claimed instances, counting one more delivery of each. */
    leaseInstances: d.bulk(
      [
        ["instance_id", "text"],
        ["lock_token", "text"],
        ["locked_by", "text"],
        ["lock_expires_at", "bigint"],
      ],
      (r) =>
        `UPDATE ${instances} AS i SET lock_token = ${r.col("lock_token")}, locked_by = ${r.col("locked_by")},
           lock_expires_at = ${r.col("lock_expires_at")}, ready_at = ${r.col("lock_expires_at")},
           delivery_count = i.delivery_count + 1${r.from}
         WHERE i.instance_id = ${r.col("instance_id")}`,
    ),
    /** Releases a lease still held (`abandonWorkItem`), giving its delivery back unless `:countDelivery` is 1. */
    releaseInstance: sql(
      `UPDATE ${instances} SET lock_token = NULL, locked_by = NULL, lock_expires_at = NULL,
         delivery_count = ${givenBack}
       WHERE instance_id = :instanceId AND lock_token = :lockToken AND lock_expires_at >= :now`,
    ),

    // ---- activities ----
    insertActivities: d.bulk(
      [
        ["instance_id", "text"],
        ["execution_id", "text"],
        ["task_id", "integer"],
        ["name", "text"],
        ["input", "text"],
        ["attempt", "integer"],
        ["idempotency_key", "text"],
        ["visible_at", "bigint"],
        ["created_at", "bigint"],
        ["lock_token", "text"],
        ["locked_by", "text"],
        ["lock_expires_at", "bigint"],
        ["delivery_count", "integer"],
        ["timeout_ms", "bigint"],
        ["heartbeat_timeout_ms", "bigint"],
        ["parent_trace_context", "text"],
      ],
      (r) =>
        `INSERT INTO ${activities} (instance_id, execution_id, task_id, name, input, attempt, idempotency_key,
           visible_at, created_at, lock_token, locked_by, lock_expires_at, delivery_count, timeout_ms,
           heartbeat_timeout_ms, parent_trace_context)
         ${r.values()}`,
    ),
    /** The IDs of activity messages inserted already leased (local dispatch), by instance IDs and lock tokens. */
    leasedActivityIds: sql(
      `SELECT id, lock_token FROM ${activities} WHERE ${idList} AND ${d.inList("lock_token", "text", "lockTokens")}`,
    ),
    anyReadyActivity: sql(`SELECT id FROM ${activities} WHERE visible_at <= :now LIMIT 1`),
    claimActivities: sql(
      `SELECT id, instance_id, execution_id, task_id, name, input, attempt, idempotency_key, visible_at,
         delivery_count, locked_by, timeout_ms, heartbeat_timeout_ms, heartbeat_details, parent_trace_context
       FROM ${activities}
       WHERE visible_at <= :now AND (lock_expires_at IS NULL OR lock_expires_at < :now)
       ORDER BY visible_at, id LIMIT :max${d.skipLocked}`,
    ),
    leaseActivities: d.bulk(
      [
        ["id", "bigint"],
        ["lock_token", "text"],
        ["locked_by", "text"],
        ["lock_expires_at", "bigint"],
      ],
      (r) =>
        `UPDATE ${activities} AS a SET lock_token = ${r.col("lock_token")}, locked_by = ${r.col("locked_by")},
           lock_expires_at = ${r.col("lock_expires_at")}, visible_at = ${r.col("lock_expires_at")},
           delivery_count = a.delivery_count + 1${r.from}
         WHERE a.id = ${r.col("id")}`,
    ),
    /** Deletes leased activity messages whose lease is still held; returns the IDs deleted. */
    completeActivities: d.bulk(
      [
        ["id", "bigint"],
        ["lock_token", "text"],
      ],
      (r) =>
        `DELETE FROM ${activities} WHERE ${r.matches(["id", "lock_token"], ["id", "lock_token"])}
           AND lock_expires_at >= :now RETURNING id`,
    ),
    /** Locks the listed activity messages whose lease is still held at `:now`; returns their IDs. */
    heldActivities: d.bulk(
      [
        ["id", "bigint"],
        ["lock_token", "text"],
      ],
      (r) =>
        `SELECT id FROM ${activities} WHERE ${r.matches(["id", "lock_token"], ["id", "lock_token"])}
           AND lock_expires_at >= :now${d.forUpdate}`,
    ),
    /** Releases an activity lease still held (`abandonWorkItem`), giving its delivery back unless `:countDelivery` is 1. */
    abandonActivity: sql(
      `UPDATE ${activities} SET lock_token = NULL, locked_by = NULL, lock_expires_at = NULL, visible_at = :visibleAt,
         delivery_count = ${givenBack}
       WHERE id = :id AND lock_token = :lockToken AND lock_expires_at >= :now`,
    ),
    renewActivity: sql(
      `UPDATE ${activities} SET lock_expires_at = :lockExpiresAt, visible_at = :lockExpiresAt
       WHERE id = :id AND lock_token = :lockToken AND lock_expires_at >= :now`,
    ),
    /** {@link renewActivity} that also stores the attempt's last heartbeat details (for its next delivery). */
    renewActivityWithDetails: sql(
      `UPDATE ${activities} SET lock_expires_at = :lockExpiresAt, visible_at = :lockExpiresAt,
         heartbeat_details = :heartbeatDetails
       WHERE id = :id AND lock_token = :lockToken AND lock_expires_at >= :now`,
    ),

    // ---- workers and lease takeovers ----
    upsertWorker: sql(
      `INSERT INTO ${workers} AS w
         (worker_id, first_seen_at, last_seen_at, orchestrations_in_flight, activities_in_flight)
       VALUES (:workerId, :now, :now, :orchestrationsInFlight, :activitiesInFlight)
       ON CONFLICT (worker_id) DO UPDATE SET last_seen_at = excluded.last_seen_at,
         orchestrations_in_flight = excluded.orchestrations_in_flight,
         activities_in_flight = excluded.activities_in_flight`,
    ),
    deleteWorker: sql(`DELETE FROM ${workers} WHERE worker_id = :workerId`),
    pruneWorkers: sql(`DELETE FROM ${workers} WHERE last_seen_at < :seenBefore`),
    /** Adds to the takeovers of one worker (creating its row if it sent no heartbeat yet). */
    countWorkerTakeovers: sql(
      `INSERT INTO ${workers} AS w (worker_id, first_seen_at, last_seen_at, lease_takeovers)
       VALUES (:workerId, :now, :now, :count)
       ON CONFLICT (worker_id) DO UPDATE SET lease_takeovers = w.lease_takeovers + excluded.lease_takeovers`,
    ),
    /** Adds to a hub-wide counter (`lease_takeovers`, `quarantined_work`). */
    addToCounter: sql(
      `INSERT INTO ${counters} AS c (name, value) VALUES (:name, :count)
       ON CONFLICT (name) DO UPDATE SET value = c.value + excluded.value`,
    ),

    // ---- stats ----
    /** Orchestrations by status: a walk of the partial index `orchestrations_by_status` (migration 0006). */
    countOrchestrationsByStatus: sql(
      `SELECT status, COUNT(*) AS n FROM ${instances} WHERE substr(instance_id, 1, 1) <> '@' GROUP BY status`,
    ),
    /** Entities (IDs starting with '@') by status: a walk of the partial index `entities_by_status`. */
    countEntitiesByStatus: sql(
      `SELECT status, COUNT(*) AS n FROM ${instances} WHERE substr(instance_id, 1, 1) = '@' GROUP BY status`,
    ),
    leasedInstances: sql(`SELECT COUNT(*) AS n FROM ${instances} WHERE lock_expires_at >= :now`),
    leasedActivities: sql(`SELECT COUNT(*) AS n FROM ${activities} WHERE lock_expires_at >= :now`),
    workersSeen: sql(
      `SELECT worker_id, first_seen_at, last_seen_at, orchestrations_in_flight, activities_in_flight, lease_takeovers
       FROM ${workers} WHERE last_seen_at >= :seenSince ORDER BY last_seen_at DESC, worker_id LIMIT 1000`,
    ),
    hubCounters: sql(`SELECT name, value FROM ${counters}`),

    inboxStats: sql(
      `SELECT COUNT(*) AS n, MIN(CASE WHEN visible_at <= :now THEN visible_at END) AS oldest FROM ${inbox}`,
    ),
    activityStats: sql(
      `SELECT COUNT(*) AS n, MIN(CASE WHEN visible_at <= :now THEN visible_at END) AS oldest FROM ${activities}`,
    ),
  } satisfies Record<string, Statement | Pick<BulkStatement, "sql"> | Record<string, string>>;
  return {
    ...statements,
    /**
     * The history, consumed-message and activity-queue writes of orchestration steps, in one round trip on
     * PostgreSQL. Rows: history events, consumed messages, activities.
     */
    stepWrites: d.combine([statements.insertHistory, statements.deleteMessages, statements.insertActivities]),
    /** New messages and the `ready_at` bumps of their targets, in one round trip on PostgreSQL. */
    deliverMessages: d.combine([statements.insertMessages, statements.bumpReady]),
  };
}
