/**
 * What the PostgreSQL hub's claims cost right now: `EXPLAIN (ANALYZE, BUFFERS)` of the worker's two claim statements,
 * run as the hub runs them (prepared, generic plan, with the hub's connection settings) in a transaction that is
 * rolled back, so nothing is leased. For the churn tests and the `pg-churn` benchmark.
 * @module
 */
import type pg from "pg";
import { pgClaimStatements } from "../../src/sql/postgres/pg-claims.js";
import { postgresDialect } from "../../src/sql/postgres/pg-dialect.js";
import type { Statement } from "../../src/sql/statement.js";

/** The cost of one statement. */
export interface StatementCost {
  /** Execution time (ms). */
  readonly ms: number;
  /** Shared buffers hit and read. */
  readonly buffers: number;
  /** Rows it returned (work items it would have leased). */
  readonly rows: number;
  /** The plan nodes that read the most buffers themselves (`node: buffers`), when it read more than 100. */
  readonly where?: readonly string[];
}

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "Shared Hit Blocks": number;
  "Shared Read Blocks": number;
  "Actual Rows": number;
  "Actual Loops": number;
  Plans?: PlanNode[];
}

type ExplainOutput = { "Execution Time": number; Plan: PlanNode }[];

const buffersOf = (node: PlanNode) => node["Shared Hit Blocks"] + node["Shared Read Blocks"];

/** Each node's own buffers (its total less its children's), largest first; a CTE's scans repeat its buffers. */
function hotspots(root: PlanNode): string[] {
  const found: [string, number][] = [];
  const visit = (node: PlanNode) => {
    const children = (node.Plans ?? []).reduce((sum, child) => sum + buffersOf(child), 0);
    const own = node["Node Type"] === "CTE Scan" ? 0 : buffersOf(node) - children;
    const target = node["Index Name"] ?? node["Relation Name"];
    if (own > 0)
      found.push([`${node["Node Type"]}${target ? ` ${target}` : ""} ×${node["Actual Loops"]}`, own]);
    for (const child of node.Plans ?? []) visit(child);
  };
  visit(root);
  return found
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([node, buffers]) => `${node}: ${buffers}`);
}

/**
 * Prepares the claims of hub `hubName` on `client` (a connection of its own, used for nothing else) and returns a
 * function measuring them, claiming up to `max` items at the current time.
 */
export async function claimCostProbe(
  client: pg.Client,
  hubName: string,
  max = 100,
): Promise<() => Promise<{ instances: StatementCost; activities: StatementCost }>> {
  const claims = pgClaimStatements(postgresDialect(hubName));
  // As the hub's connections run them (see `withGenericPlans` in postgres-task-hub.ts).
  await client.query("SET plan_cache_mode = force_generic_plan");
  await client.query("SET enable_seqscan = off");
  await client.query("SET jit = off");
  const statements = [
    ["claim_instances", claims.claimAndLeaseInstances],
    ["claim_activities", claims.claimAndLeaseActivities],
  ] as const;
  for (const [name, statement] of statements) await client.query(`PREPARE ${name} AS ${statement.text}`);
  const explain = async (name: string, statement: Statement): Promise<StatementCost> => {
    const now = Date.now();
    const params: Record<string, string | number> = {
      now,
      max,
      workerId: "claim-cost-probe",
      lockExpiresAt: now + 30_000,
    };
    const args = statement.names.map((n) => client.escapeLiteral(String(params[n])));
    await client.query("BEGIN");
    try {
      const result = await client.query<{ "QUERY PLAN": ExplainOutput }>(
        `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE ${name}(${args.join(", ")})`,
      );
      const [plan] = result.rows[0]!["QUERY PLAN"];
      const buffers = buffersOf(plan!.Plan);
      return {
        ms: Math.round(plan!["Execution Time"] * 100) / 100,
        buffers,
        rows: plan!.Plan["Actual Rows"],
        ...(buffers > 100 ? { where: hotspots(plan!.Plan) } : {}),
      };
    } finally {
      await client.query("ROLLBACK");
    }
  };
  return async () => ({
    instances: await explain("claim_instances", claims.claimAndLeaseInstances),
    activities: await explain("claim_activities", claims.claimAndLeaseActivities),
  });
}

/** Dead and live rows, vacuums and size of the hub's hot tables (`pg_stat_user_tables`). */
export async function hotTableStats(
  client: pg.Client | pg.Pool,
  hubName: string,
): Promise<
  Record<
    string,
    { live: number; dead: number; hotUpdateShare: number; vacuums: number; autovacuums: number; mb: number }
  >
> {
  const { rows } = await client.query<Record<string, string>>(
    `SELECT relname, n_live_tup, n_dead_tup, n_tup_upd, n_tup_hot_upd, vacuum_count, autovacuum_count,
       pg_total_relation_size(relid) AS size
     FROM pg_stat_user_tables WHERE schemaname = $1 AND relname IN ('inbox', 'activity_queue', 'instances')`,
    [hubName],
  );
  return Object.fromEntries(
    rows.map((r) => [
      r.relname!,
      {
        live: Number(r.n_live_tup),
        dead: Number(r.n_dead_tup),
        hotUpdateShare: Math.round((Number(r.n_tup_hot_upd) / Math.max(1, Number(r.n_tup_upd))) * 100) / 100,
        vacuums: Number(r.vacuum_count),
        autovacuums: Number(r.autovacuum_count),
        mb: Math.round((Number(r.size) / 2 ** 20) * 100) / 100,
      },
    ]),
  );
}

/**
 * Buffers read (hit or not) in the hub's tables and their indexes since the server started (`pg_statio_user_tables`,
 * every table of the schema): the server's work on the hub, whatever else runs on the machine.
 */
export async function hubBuffers(client: pg.Client | pg.Pool, hubName: string): Promise<number> {
  const { rows } = await client.query<{ n: string | null }>(
    `SELECT sum(coalesce(heap_blks_hit, 0) + coalesce(heap_blks_read, 0) + coalesce(idx_blks_hit, 0)
       + coalesce(idx_blks_read, 0) + coalesce(toast_blks_hit, 0) + coalesce(toast_blks_read, 0)
       + coalesce(tidx_blks_hit, 0) + coalesce(tidx_blks_read, 0)) AS n
     FROM pg_statio_user_tables WHERE schemaname = $1`,
    [hubName],
  );
  return Number(rows[0]?.n ?? 0);
}
