/**
 * The plans of listing pages on a 100,000-instance hub (SQLite file and PostgreSQL): for every filter shape, the
 * first page and a page after a continuation token walk the intended index in the listing order, with the page's
 * start as an index condition, never scanning the table nor sorting more than a bounded set of matches. Plans are
 * deterministic where timings are not; the pages are also checked against the same filter applied to the generated
 * rows.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { byCreation, matcher } from "../../src/memory/memory-queries.js";
import { listingSql, PREFIX_SORT_PAGES } from "../../src/sql/list-plans.js";
import { INSTANCE_COLUMNS } from "../../src/sql/sql-rows.js";
import { sqliteTaskHub } from "../../src/sql/sqlite/sqlite-task-hub.js";
import type { SqlTaskHub } from "../../src/sql/sql-task-hub.js";
import { fillInstances, fillRows, type FillSummary } from "../../src/testing/sql-instance-fill.js";
import type { InstanceQuery, InstanceRecord } from "../../src/task-hub/task-hub.js";
import { dropCreatedSchemas, requirePostgres, testHub } from "./postgres-support.js";

const INSTANCES = 100_000;
const PAGE = 100;
/** Most rows a plan may sort: a prefix's matches on SQLite ({@link PREFIX_SORT_PAGES} pages), or a bounded set. */
const SORT_BOUND = PREFIX_SORT_PAGES * (PAGE + 1);

/** A filter shape, the index each backend walks for it and whether it sorts (a bounded set of) its matches. */
interface Shape {
  readonly name: string;
  readonly query: InstanceQuery;
  readonly sqlite: { readonly indexes: readonly string[]; readonly sorts?: boolean };
  /** PostgreSQL's planner picks from statistics: any of these, the first one for a selective filter. */
  readonly postgres: { readonly indexes: readonly string[]; readonly sorts?: boolean };
  /** The page's start is not an index condition (the primary key's lookups, sorted). */
  readonly keyed?: boolean;
}

const PK_SQLITE = "sqlite_autoindex_instances_1";
const PK_PG = "instances_pkey";

function shapes(fill: FillSummary): Shape[] {
  const span = fill.createdTo - fill.createdFrom;
  const window = { createdFrom: fill.createdFrom + span * 0.4, createdTo: fill.createdFrom + span * 0.5 };
  const byStatus = { indexes: ["instances_by_status"] };
  const statusOrCreated = { indexes: ["instances_by_status", "instances_created"] };
  return [
    {
      name: "no filter",
      query: {},
      sqlite: { indexes: ["instances_created"] },
      postgres: { indexes: ["instances_created"] },
    },
    {
      name: "created range",
      query: window,
      sqlite: { indexes: ["instances_created"] },
      postgres: { indexes: ["instances_created"] },
    },
    { name: "a rare status", query: { statuses: ["Failed"] }, sqlite: byStatus, postgres: byStatus },
    {
      name: "a recent rare status",
      query: { statuses: ["Suspended"] },
      sqlite: byStatus,
      postgres: byStatus,
    },
    {
      name: "a common status",
      query: { statuses: ["Completed"] },
      sqlite: byStatus,
      postgres: statusOrCreated,
    },
    {
      name: "active statuses",
      query: { statuses: ["Running", "Pending", "Suspended"] },
      sqlite: byStatus,
      postgres: statusOrCreated,
    },
    {
      name: "finished statuses",
      query: { statuses: ["Completed", "Failed", "Terminated"] },
      sqlite: byStatus,
      postgres: statusOrCreated,
    },
    {
      name: "a status in a created range",
      query: { statuses: ["Failed"], ...window },
      sqlite: byStatus,
      postgres: byStatus,
    },
    {
      name: "orchestrations of a status (the client's query)",
      query: { statuses: ["Running"], excludeEntities: true },
      sqlite: byStatus,
      postgres: byStatus,
    },
    {
      name: "a rare name",
      query: { name: "RareJob" },
      sqlite: { indexes: ["instances_by_name"] },
      postgres: { indexes: ["instances_by_name"], sorts: true },
    },
    {
      name: "a name",
      query: { name: "Cleanup" },
      sqlite: { indexes: ["instances_by_name"] },
      postgres: { indexes: ["instances_by_name", "instances_created"] },
    },
    {
      name: "a rare version",
      query: { version: "3.0-beta" },
      sqlite: { indexes: ["instances_by_version"] },
      postgres: { indexes: ["instances_by_version"], sorts: true },
    },
    {
      name: "a version",
      query: { version: "2.0" },
      sqlite: { indexes: ["instances_by_version"] },
      postgres: { indexes: ["instances_by_version", "instances_created"] },
    },
    {
      name: "a name and a status",
      query: { name: "SendInvoice", statuses: ["Failed"] },
      sqlite: { indexes: ["instances_by_status", "instances_by_name"] },
      postgres: { indexes: ["instances_by_status", "instances_by_name"], sorts: true },
    },
    {
      name: "a rare prefix",
      query: { instanceIdPrefix: "audit-" },
      sqlite: { indexes: [PK_SQLITE], sorts: true },
      postgres: { indexes: [PK_PG], sorts: true },
      keyed: true,
    },
    {
      name: "a common prefix",
      query: { instanceIdPrefix: "order-" },
      sqlite: { indexes: ["instances_created"] },
      postgres: { indexes: ["instances_created"] },
    },
    {
      name: "entities",
      query: { instanceIdPrefix: "@" },
      sqlite: { indexes: ["instances_created"] },
      postgres: { indexes: ["instances_created"] },
    },
    {
      name: "a prefix and a status",
      query: { instanceIdPrefix: "invoice-", statuses: ["Completed"] },
      sqlite: byStatus,
      postgres: statusOrCreated,
    },
    {
      name: "instance IDs",
      query: { instanceIds: [...fillRows(200)].map((row) => row.instance_id).slice(0, 200) },
      sqlite: { indexes: [PK_SQLITE], sorts: true },
      postgres: { indexes: [PK_PG], sorts: true },
      keyed: true,
    },
  ];
}

/** The generated rows, as the records the memory hub's matcher reads. */
const records = [...fillRows(INSTANCES)].map((row) => ({
  instanceId: row.instance_id,
  name: row.name,
  status: row.status,
  createdAt: row.created_at,
  ...(row.version === null ? {} : { version: row.version }),
})) as InstanceRecord[];

/** The IDs of the first page of `query` over the generated rows. */
function expectedPage(query: InstanceQuery): string[] {
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

async function postgresPlan(hub: SqlTaskHub, text: string, params: Record<string, unknown>): Promise<Plan> {
  const [row] = await hub.dialect
    .statement(`EXPLAIN (FORMAT JSON) ${text}`)
    .query(hub.driver, params as never);
  const root = (row!["QUERY PLAN"] as [{ Plan: PgNode }])[0].Plan;
  const nodes: PgNode[] = [];
  const walk = (node: PgNode) => {
    nodes.push(node);
    node.Plans?.forEach(walk);
  };
  walk(root);
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
    for (const shape of shapes(fill)) {
      const expected = backend === "sqlite" ? shape.sqlite : shape.postgres;
      const first = await hub.listInstances({ ...shape.query, pageSize: PAGE });
      assert.deepEqual(
        first.instances.map((r) => r.instanceId),
        expectedPage(shape.query),
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
          filter: shape.query,
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
            ? [...expected.indexes, "instances_created"]
            : expected.indexes;
        for (const index of plan.indexes)
          assert.ok(allowed.includes(index), `walks ${allowed.join(" or ")}: ${what}`);
        if (expected.sorts)
          for (const rows of plan.sorts) assert.ok(rows <= SORT_BOUND, `sorts a bounded set: ${what}`);
        else assert.deepEqual(plan.sorts, [], `no sort: ${what}`);
        if (position !== undefined && !shape.keyed && !expected.sorts)
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
