/**
 * PostgreSQL's one-statement claims (data-modifying `WITH`): a claim leases ready instances with their first visible
 * messages, or due activity messages, and counts the lease takeovers among them, in one round trip (the checked
 * strategy claims with several statements in one transaction: `../sql-orchestrations.ts`, `../sql-activities.ts`).
 * @module
 */
import type { Dialect } from "../dialect.js";
import { INSTANCE_COLUMNS, MAX_MESSAGES_PER_WORK_ITEM } from "../sql-rows.js";

/** The claims of the PostgreSQL dialect `d`, SQL final. */
export function pgClaimStatements(d: Dialect) {
  const instances = d.table("instances");
  const inbox = d.table("inbox");
  const activities = d.table("activity_queue");

  /**
   * A claim that also counts its lease takeovers: `claim` is an `UPDATE ... RETURNING` named `u` (after its own `WITH`
   * parts, without the `WITH`) whose rows have `prev_locked_by` (the holder of an expired lease taken over) and
   * `taken` (whether the row was leased). The hub's and the claiming worker's counters are updated in the same
   * statement, for the worker `:workerId` at `:now`.
   */
  const countingTakeovers = (claim: string) =>
    `WITH ${claim}, t AS (
       SELECT COUNT(*) AS n FROM u WHERE u.prev_locked_by IS NOT NULL AND u.taken
     ), h AS (
       INSERT INTO ${d.table("counters")} AS k (name, value) SELECT 'lease_takeovers', n FROM t WHERE n > 0
       ON CONFLICT (name) DO UPDATE SET value = k.value + excluded.value
     ), w AS (
       INSERT INTO ${d.table("workers")} AS w (worker_id, first_seen_at, last_seen_at, lease_takeovers)
       SELECT :workerId, :now::bigint, :now::bigint, n FROM t WHERE n > 0
       ON CONFLICT (worker_id) DO UPDATE SET lease_takeovers = w.lease_takeovers + excluded.lease_takeovers
     ) SELECT * FROM u`;

  /**
   * The claim of instances, with an extra filter on the candidates. Each candidate's messages are looked up by its
   * instance ID (a lateral subquery: a plan joining the candidates to the inbox read every visible message of the
   * hub, dead rows included, at each claim). `ORDER BY b.id + 0` keeps the inbox's primary key out of the plan: a
   * generic plan made while the statistics said "many messages per instance" walked the whole inbox in ID order
   * for each candidate, to stop after its first messages. The update names its rows twice, by the join and by an
   * array of the candidates' IDs, so that its plan reads them by key whatever join it picks: a generic plan expects
   * a tenth of the ready instances (`LIMIT :max` unknown), and merging them with every row of `instances` in key order
   * looked cheaper.
   */
  const claimInstances = (filter: string) =>
    d.statement(
      countingTakeovers(`c AS (
       SELECT instance_id, locked_by AS prev_locked_by FROM ${instances}
       WHERE ready_at <= :now AND (lock_expires_at IS NULL OR lock_expires_at < :now)${filter}
       ORDER BY ready_at LIMIT :max${d.skipLocked}
     ), m AS (
       SELECT c.instance_id, c.prev_locked_by, x.* FROM c CROSS JOIN LATERAL (
         SELECT array_agg(b.id ORDER BY b.id) AS ids, array_agg(b.execution_id ORDER BY b.id) AS execution_ids,
           array_agg(b.event ORDER BY b.id) AS events, array_agg(b.visible_at ORDER BY b.id) AS visible_ats
         FROM (
           SELECT b.id, b.execution_id, b.event, b.visible_at FROM ${inbox} AS b
           WHERE b.instance_id = c.instance_id AND b.visible_at <= :now
           ORDER BY b.id + 0 LIMIT ${MAX_MESSAGES_PER_WORK_ITEM}
         ) AS b
       ) AS x
     ), u AS (
     UPDATE ${instances} AS i SET
       lock_token = CASE WHEN m.ids IS NULL THEN i.lock_token ELSE gen_random_uuid()::text END,
       locked_by = CASE WHEN m.ids IS NULL THEN i.locked_by ELSE :workerId END,
       lock_expires_at = CASE WHEN m.ids IS NULL THEN i.lock_expires_at ELSE :lockExpiresAt::bigint END,
       ready_at = CASE WHEN m.ids IS NULL
         THEN (SELECT MIN(b.visible_at) FROM ${inbox} AS b WHERE b.instance_id = i.instance_id)
         ELSE :lockExpiresAt::bigint END,
       delivery_count = CASE WHEN m.ids IS NULL THEN i.delivery_count ELSE i.delivery_count + 1 END
     FROM m
     WHERE i.instance_id = m.instance_id AND i.instance_id = ANY(ARRAY(SELECT instance_id FROM c))
     RETURNING ${INSTANCE_COLUMNS.split(", ")
       .map((column) => `i.${column}`)
       .join(", ")}, i.lock_token, i.delivery_count - 1 AS delivery_count, m.prev_locked_by,
       m.ids IS NOT NULL AS taken, m.ids, m.execution_ids, m.events, m.visible_ats)`),
    );

  return {
    /**
     * Claims, leases (for `:workerId` until `:lockExpiresAt`) and reads the visible messages (the first
     * {@link MAX_MESSAGES_PER_WORK_ITEM}) of up to `:max` instances ready at `:now`, counting the takeovers. Candidates without a visible message (their `ready_at` was only a lower bound) are not leased:
     * their `ready_at` is corrected and they come back with `ids` NULL. `prev_locked_by` is set when the previous
     * lease expired unreleased (a takeover); `delivery_count` is the count before this delivery, as the checked claim
     * reads it.
     */
    claimAndLeaseInstances: claimInstances(""),
    /** {@link claimAndLeaseInstances} among the instances `:ids` (local dispatch). */
    claimAndLeaseInstancesAmong: claimInstances(` AND ${d.inList("instance_id", "text", "ids")}`),
    /**
     * Claims and leases (for `:workerId` until `:lockExpiresAt`) up to `:max` activity messages due at `:now`,
     * counting the takeovers. Returns the leased rows (in no particular order) with
     * their previous `visible_at` and `prev_locked_by` (set for a takeover).
     */
    claimAndLeaseActivities: d.statement(
      countingTakeovers(`c AS (
             SELECT id, visible_at AS prev_visible_at, locked_by AS prev_locked_by FROM ${activities}
             WHERE visible_at <= :now AND (lock_expires_at IS NULL OR lock_expires_at < :now)
             ORDER BY visible_at, id LIMIT :max${d.skipLocked}
           ), u AS (
           UPDATE ${activities} AS a SET lock_token = gen_random_uuid()::text, locked_by = :workerId,
             lock_expires_at = :lockExpiresAt::bigint, visible_at = :lockExpiresAt::bigint, delivery_count = a.delivery_count + 1
           FROM c WHERE a.id = c.id AND a.id = ANY(ARRAY(SELECT id FROM c))
           RETURNING a.id, a.instance_id, a.execution_id, a.task_id, a.name, a.input, a.attempt, a.idempotency_key,
             c.prev_visible_at AS visible_at, a.delivery_count - 1 AS delivery_count, a.lock_token, c.prev_locked_by,
             true AS taken, a.timeout_ms, a.heartbeat_timeout_ms, a.heartbeat_details, a.parent_trace_context)`),
    ),
  };
}
