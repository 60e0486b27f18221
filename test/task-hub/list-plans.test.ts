/**
 * The plans of listing pages on a 100,000-instance hub (SQLite file and PostgreSQL): for every filter shape, the
 * first page and a page after a continuation token walk the intended index in the listing order, with the page's
 * start as an index condition, never scanning the table nor sorting more than a bounded set of matches. Plans are
 * deterministic where timings are not; the pages are also checked against the same filter applied to the generated
 * rows.
 */
import assert from "node:assert/strict";
import pg from "pg";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { byCreation, matcher } from "../../src/memory/memory-queries.js";
import { listingSql, PREFIX_SORT_PAGES } from "../../src/sql/list-plans.js";
import { INSTANCE_COLUMNS } from "../../src/sql/sql-rows.js";
import { sqliteTaskHub } from "../../src/sql/sqlite/sqlite-task-hub.js";
import type { SqlTaskHub } from "../../src/sql/sql-task-hub.js";
import {
  fillInstances,
  fillQueries,
  fillRows,
  type FillSummary,
} from "../../src/testing/sql-instance-fill.js";
import type { InstanceFilter, InstanceRecord } from "../../src/task-hub/task-hub.js";
import { withGenericPlans } from "../../src/sql/postgres/postgres-task-hub.js";
import { config, dropCreatedSchemas, requirePostgres, testHub } from "./postgres-support.js";

const INSTANCES = 100_000;
const PAGE = 100;
/** Most rows a plan may sort: a prefix's matches on SQLite ({@link PREFIX_SORT_PAGES} pages), or a bounded set. */
const SORT_BOUND = PREFIX_SORT_PAGES * (PAGE + 1);

/** The index each backend walks for a filter shape ({@link fillQueries}), and whether it sorts (a bounded set). */
interface Expected {
  readonly sqlite: { readonly indexes: readonly string[]; readonly sorts?: boolean };
  /** PostgreSQL's planner picks from statistics: any of these. */
  readonly postgres: { readonly indexes: readonly string[]; readonly sorts?: boolean };
  /** The page's start is not an index condition (the primary key's lookups, sorted). */
  readonly keyed?: boolean;
}

const PK_SQLITE = "sqlite_autoindex_instances_1";
const PK_PG = "instances_pkey";
const BOTH_CREATED = { indexes: ["orchestrations_by_created", "entities_by_created"] };
const ORCH_CREATED = { indexes: ["orchestrations_by_created"] };
const BOTH_STATUS = { indexes: ["orchestrations_by_status", "entities_by_status"] };
const ORCH_STATUS = { indexes: ["orchestrations_by_status"] };
const NAME = { indexes: ["instances_by_name"] };
const VERSION = { indexes: ["instances_by_version"] };
/** PostgreSQL may walk the creation indexes for a common value, checking it on the entries. */
const or = (
  expected: { indexes: readonly string[] },
  also: { indexes: readonly string[] },
  sorts?: boolean,
) => ({
  indexes: [...expected.indexes, ...also.indexes],
  ...(sorts ? { sorts } : {}),
});

const EXPECTED: Readonly<Record<string, Expected>> = {
  "no filter": { sqlite: BOTH_CREATED, postgres: BOTH_CREATED },
  orchestrations: { sqlite: ORCH_CREATED, postgres: ORCH_CREATED },
  "created range": { sqlite: BOTH_CREATED, postgres: BOTH_CREATED },
  "a rare status": { sqlite: BOTH_STATUS, postgres: BOTH_STATUS },
  "a recent rare status": { sqlite: BOTH_STATUS, postgres: BOTH_STATUS },
  "a common status": { sqlite: BOTH_STATUS, postgres: or(BOTH_STATUS, BOTH_CREATED) },
  "active statuses": { sqlite: BOTH_STATUS, postgres: or(BOTH_STATUS, BOTH_CREATED) },
  "finished statuses": { sqlite: BOTH_STATUS, postgres: or(BOTH_STATUS, BOTH_CREATED) },
  "a status in a created range": { sqlite: BOTH_STATUS, postgres: BOTH_STATUS },
  "orchestrations of a status": { sqlite: ORCH_STATUS, postgres: ORCH_STATUS },
  "a rare name": { sqlite: NAME, postgres: { ...NAME, sorts: true } },
  "a name": { sqlite: NAME, postgres: or(NAME, BOTH_CREATED) },
  "a rare version": { sqlite: VERSION, postgres: { ...VERSION, sorts: true } },
  "a version": { sqlite: VERSION, postgres: or(VERSION, BOTH_CREATED) },
  "a name and a status": { sqlite: NAME, postgres: or(NAME, BOTH_STATUS, true) },
  "orchestrations of a name and statuses": { sqlite: NAME, postgres: or(NAME, ORCH_STATUS, true) },
  "a rare prefix": {
    sqlite: { indexes: [PK_SQLITE], sorts: true },
    postgres: { indexes: [PK_PG], sorts: true },
    keyed: true,
  },
  "a common prefix": { sqlite: ORCH_CREATED, postgres: ORCH_CREATED },
  entities: { sqlite: { indexes: ["entities_by_created"] }, postgres: { indexes: ["entities_by_created"] } },
  "a prefix and a status": { sqlite: ORCH_STATUS, postgres: or(ORCH_STATUS, ORCH_CREATED) },
  "instance IDs": {
    sqlite: { indexes: [PK_SQLITE], sorts: true },
    postgres: { indexes: [PK_PG], sorts: true },
    keyed: true,
  },
};

/** The generated rows, as the records the memory hub's matcher reads. */
const records = [...fillRows(INSTANCES)].map((row) => ({
  instanceId: row.instance_id,
  name: row.name,
  status: row.status,
  createdAt: row.created_at,
  ...(row.version === null ? {} : { version: row.version }),
})) as InstanceRecord[];

/** The IDs of the first page of `query` over the generated rows. */
function expectedPage(query: InstanceFilter): string[] {
  const matches = matcher(query);
  return records
    .filter(matches)
    .sort(byCreation)
    .slice(0, PAGE)
    .map((r) => r.instanceId);
}

/** A plan, read from one backend: the indexes it walks, what it sorts, the conditions of its index walks. */
interface Plan {
  readonly text: string;
  readonly indexes: string[];
  readonly tableScan: boolean;
  /** Estimated rows of each sort (SQLite: none, 0). */
  readonly sorts: number[];
  /** The keyset condition is part of an index walk. */
  readonly keysetInIndex: boolean;
}

async function sqlitePlan(hub: SqlTaskHub, text: string, params: Record<string, unknown>): Promise<Plan> {
  const rows = await hub.dialect.statement(`EXPLAIN QUERY PLAN ${text}`).query(hub.driver, params as never);
  const lines = rows.map((row) => String(row.detail));
  return {
    text: lines.join("\n"),
    indexes: lines.flatMap((line) => /USING (?:COVERING )?INDEX (\S+)/.exec(line)?.slice(1) ?? []),
    tableScan: lines.some((line) => /^SCAN instances$/.test(line)),
    // Bounded by design where it sorts (a prefix's few matches, instance IDs): no estimate to check.
    sorts: lines.filter((line) => line.includes("TEMP B-TREE")).map(() => 0),
    keysetInIndex: lines.some((line) =>
      /USING (?:COVERING )?INDEX \S+ \(.*\(created_at,instance_id\)>\(\?,\?\)/.test(line),
    ),
  };
}

interface PgNode {
  readonly "Node Type": string;
  readonly "Index Name"?: string;
  readonly "Index Cond"?: string;
  readonly "Plan Rows": number;
  readonly Plans?: PgNode[];
}

/** A SQL literal of a parameter value (numbers, strings, arrays of them). */
function literal(value: unknown): string {
  if (Array.isArray(value)) return `ARRAY[${value.map(literal).join(", ")}]`;
  if (typeof value === "number") return String(value);
  return `'${String(value).replaceAll("'", "''")}'`;
}

/**
 * The plan the hub runs: its connections plan prepared statements generically (`plan_cache_mode=force_generic_plan`,
 * without the values), so the statement is prepared and its execution explained, on a connection with the hub's
 * settings (the simple protocol: PREPARE's parameters are its own).
 */
async function postgresPlan(hub: SqlTaskHub, text: string, params: Record<string, unknown>): Promise<Plan> {
  const statement = hub.dialect.statement(text);
  const args = statement.names.map((name) => literal(params[name]));
  const client = new pg.Client(withGenericPlans(config));
  await client.connect();
  let row: Record<string, unknown> | undefined;
  try {
    await client.query(`PREPARE listing AS ${statement.text}`);
    [row] = (await client.query(`EXPLAIN (FORMAT JSON) EXECUTE listing(${args.join(", ")})`)).rows;
  } finally {
    await client.end();
  }
  const root = (row!["QUERY PLAN"] as [{ Plan: PgNode }])[0].Plan;
  const nodes: PgNode[] = [];
  const walk = (node: PgNode) => {
    nodes.push(node);
    node.Plans?.forEach(walk);
  };
  walk(root);
  if (statement.names.some((name) => name !== "limit"))
    assert.match(
      JSON.stringify(root),
      /\$\d/,
      `a generic plan (its conditions name the parameters):\n${JSON.stringify(root, null, 1)}`,
    );
  return {
    text: JSON.stringify(root, null, 1),
    indexes: nodes.flatMap((node) => (node["Index Name"] ? [node["Index Name"]] : [])),
    tableScan: nodes.some((node) => node["Node Type"] === "Seq Scan"),
    sorts: nodes
      .filter((node) => node["Node Type"].endsWith("Sort"))
      .map((node) => Math.max(...(node.Plans ?? []).map((child) => child["Plan Rows"]))),
    keysetInIndex: nodes.some((node) => /ROW\(created_at, instance_id\) >/.test(node["Index Cond"] ?? "")),
  };
}

function describePlans(
  backend: "sqlite" | "postgres",
  makeHub: () => SqlTaskHub,
  explain: (hub: SqlTaskHub, text: string, params: Record<string, unknown>) => Promise<Plan>,
  hooks: { readonly setUp?: () => Promise<void>; readonly analyze?: (hub: SqlTaskHub) => Promise<void> } = {},
): void {
  let hub: SqlTaskHub;
  let fill: FillSummary;
  before(async () => {
    await hooks.setUp?.();
    hub = makeHub();
    await hub.init();
    fill = await fillInstances(hub, INSTANCES);
    await hooks.analyze?.(hub);
  });
  after(() => hub?.close());

  it("fills the hub with the documented mix", () => {
    assert.equal(fill.instances, INSTANCES);
    assert.ok(fill.byStatus.Failed! > 1000 && fill.byStatus.Suspended! < 1000, JSON.stringify(fill.byStatus));
    assert.ok(fill.byIdKind["audit-"]! < SORT_BOUND && fill.byIdKind["@counter@"]! > SORT_BOUND);
  });

  it("walks the intended index for every filter shape, the page's start in the walk, sorting at most a bound", async () => {
    const queries = fillQueries(fill);
    assert.deepEqual(
      queries.map((q) => q.name).sort(),
      Object.keys(EXPECTED).sort(),
      "every shape has its plan",
    );
    for (const shape of queries) {
      const plans = EXPECTED[shape.name]!;
      const expected = backend === "sqlite" ? plans.sqlite : plans.postgres;
      const first = await hub.listInstances({ ...shape.filter, pageSize: PAGE });
      assert.deepEqual(
        first.instances.map((r) => r.instanceId),
        expectedPage(shape.filter),
        `${shape.name}: the first page`,
      );
      const last = first.instances.at(-1)!;
      const middle = {
        createdAt: fill.createdFrom + (fill.createdTo - fill.createdFrom) / 2,
        instanceId: "",
      };
      for (const [page, position] of [
        ["the first page", undefined],
        ["a page after another", { createdAt: last.createdAt, instanceId: last.instanceId }],
        ["a page in the middle", middle],
      ] as const) {
        const sql = await listingSql(hub.dialect, hub.driver, {
          filter: shape.filter,
          after: position,
          columns: INSTANCE_COLUMNS,
          limit: PAGE + 1,
        });
        const plan = await explain(hub, sql.text, sql.params);
        const what = `${shape.name}, ${page}:\n${plan.text}`;
        assert.equal(plan.tableScan, false, `no table scan: ${what}`);
        assert.ok(plan.indexes.length > 0, `an index: ${what}`);
        // After a position, PostgreSQL may walk the creation index from there (it estimates how many rows follow).
        const allowed =
          backend === "postgres" && position !== undefined && plan.keysetInIndex
            ? [...expected.indexes, ...BOTH_CREATED.indexes]
            : expected.indexes;
        for (const index of plan.indexes)
          assert.ok(allowed.includes(index), `walks ${allowed.join(" or ")}: ${what}`);
        if (expected.sorts)
          for (const rows of plan.sorts) assert.ok(rows <= SORT_BOUND, `sorts a bounded set: ${what}`);
        else assert.deepEqual(plan.sorts, [], `no sort: ${what}`);
        if (position !== undefined && !plans.keyed && !expected.sorts)
          assert.ok(plan.keysetInIndex, `the page's start is an index condition: ${what}`);
      }
    }
  });
}

describe("listing plans on a 100,000-instance SQLite hub", () => {
  const dir = mkdtempSync(join(tmpdir(), "taskhub-list-plans-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  describePlans("sqlite", () => sqliteTaskHub(join(dir, "hub.db")), sqlitePlan);
});

describe("listing plans on a 100,000-instance PostgreSQL hub", () => {
  after(dropCreatedSchemas);
  describePlans("postgres", () => testHub(), postgresPlan, {
    setUp: requirePostgres,
    // The local test server runs without autovacuum: the statistics that a production server's would gather.
    analyze: async (hub) => {
      await hub.driver.query(`ANALYZE ${hub.dialect.table("instances")}`);
    },
  });
});
