/**
 * A direct fill of a SQL task hub's `instances` table, for scale tests and benchmarks: many instance rows written in
 * bulk (about 1 s per 100,000 on SQLite, a few on PostgreSQL) instead of running as many orchestrations. The rows have
 * no history, inbox or leases: finished instances, and active ones waiting for something (`ready_at` NULL, so no
 * worker claims them). The mix is fixed and deterministic (a seeded generator), as a busy hub's:
 *
 * - IDs: 70 % random 32-hex IDs (the client's default), 20 % `order-<n>`, 4.9 % `invoice-<n>`, 0.1 % `audit-<n>`,
 *   5 % entities `@counter@<n>`;
 * - names: `ProcessOrder` 60 %, `SendInvoice` 25 %, `Cleanup` 14.9 %, `RareJob` 0.1 % (entities: `counter`);
 * - versions: none 50 %, `1.0` 45 %, `2.0` 4.9 %, `3.0-beta` 0.1 % (entities: none);
 * - statuses: the oldest 94 % Completed 96 %, Failed 2.5 %, Terminated 1.5 %; the newest 6 % Running 60 %,
 *   Pending 30 %, Suspended 5 %, Completed 5 % (entities: Running);
 * - creation times 10 ms apart on average, three instances per millisecond (ties the listing order breaks by ID),
 *   ending at `endAt`.
 * @module
 */
import type { RuntimeStatus } from "../core/runtime-status.js";
import type { InstanceFilter } from "../task-hub/task-hub.js";
import type { BulkColumn } from "../sql/dialect.js";
import type { SqlTaskHub } from "../sql/sql-task-hub.js";

/** One generated instance row. */
export interface FillRow {
  readonly instance_id: string;
  readonly name: string;
  readonly status: RuntimeStatus;
  readonly version: string | null;
  readonly created_at: number;
}

/** How many rows of each kind a fill wrote. */
export interface FillSummary {
  readonly instances: number;
  readonly byStatus: Readonly<Record<string, number>>;
  readonly byName: Readonly<Record<string, number>>;
  readonly byVersion: Readonly<Record<string, number>>;
  /** Rows per ID kind: `hex`, `order-`, `invoice-`, `audit-`, `@counter@`. */
  readonly byIdKind: Readonly<Record<string, number>>;
  /** Creation time of the first and the last row. */
  readonly createdFrom: number;
  readonly createdTo: number;
}

/** Options of {@link fillRows} and {@link fillInstances}. */
export interface FillOptions {
  /** Creation time of the newest row (default: 2026-01-01T00:00:00Z). */
  readonly endAt?: number;
  /** Seed of the generator (default 1). */
  readonly seed?: number;
}

const SPACING_MS = 10;
const PER_MS = 3;

/** The rows of a fill of `count` instances (see the module documentation for the mix). */
export function* fillRows(count: number, options: FillOptions = {}): Generator<FillRow> {
  const random = mulberry32(options.seed ?? 1);
  const endAt = options.endAt ?? Date.UTC(2026, 0, 1);
  const start = endAt - Math.floor((count - 1) / PER_MS) * PER_MS * SPACING_MS;
  const hex = () =>
    Array.from({ length: 4 }, () =>
      Math.floor(random() * 2 ** 32)
        .toString(16)
        .padStart(8, "0"),
    ).join("");
  for (let i = 0; i < count; i++) {
    const kind = random();
    const id =
      kind < 0.7
        ? hex()
        : kind < 0.9
          ? `order-${i}`
          : kind < 0.949
            ? `invoice-${i}`
            : kind < 0.95
              ? `audit-${i}`
              : `@counter@${i}`;
    const entity = kind >= 0.95;
    const n = random();
    const name = entity
      ? "counter"
      : n < 0.6
        ? "ProcessOrder"
        : n < 0.85
          ? "SendInvoice"
          : n < 0.999
            ? "Cleanup"
            : "RareJob";
    const s = random();
    const status: RuntimeStatus = entity
      ? "Running"
      : i >= count * 0.94
        ? s < 0.6
          ? "Running"
          : s < 0.9
            ? "Pending"
            : s < 0.95
              ? "Suspended"
              : "Completed"
        : s < 0.96
          ? "Completed"
          : s < 0.985
            ? "Failed"
            : "Terminated";
    const v = random();
    const version = entity || v < 0.5 ? null : v < 0.95 ? "1.0" : v < 0.999 ? "2.0" : "3.0-beta";
    yield {
      instance_id: id,
      name,
      status,
      version,
      created_at: start + Math.floor(i / PER_MS) * PER_MS * SPACING_MS,
    };
  }
}

const COLUMNS = [
  ["instance_id", "key"],
  ["name", "text"],
  ["status", "text"],
  ["version", "text"],
  ["created_at", "bigint"],
  ["last_updated_at", "bigint"],
  ["completed_at", "bigint"],
  ["output", "text"],
] as const satisfies readonly BulkColumn[];

const FINISHED = new Set<string>(["Completed", "Failed", "Terminated"]);

/**
 * Writes `count` instance rows (see the module documentation) into the initialized SQL hub `hub`, in one
 * transaction, and returns what it wrote. The hub should hold no instance with the same IDs.
 */
export async function fillInstances(
  hub: SqlTaskHub,
  count: number,
  options: FillOptions = {},
): Promise<FillSummary> {
  const instances = hub.dialect.table("instances");
  const insert = hub.dialect.bulk(
    COLUMNS,
    (r) =>
      `INSERT INTO ${instances} (instance_id, name, execution_id, status, input, output, created_at,
         last_updated_at, completed_at, version, history_length)
       SELECT ${r.col("instance_id")}, ${r.col("name")}, 'fill', ${r.col("status")}, '{"orderId":42}',
         ${r.col("output")}, ${r.col("created_at")}, ${r.col("last_updated_at")}, ${r.col("completed_at")},
         ${r.col("version")}, 12${r.from}`,
  );
  const tally = (table: Record<string, number>, key: string) => (table[key] = (table[key] ?? 0) + 1);
  const byStatus: Record<string, number> = {};
  const byName: Record<string, number> = {};
  const byVersion: Record<string, number> = {};
  const byIdKind: Record<string, number> = {};
  let createdFrom = Infinity;
  let createdTo = -Infinity;
  await hub.driver.transaction(async (tx) => {
    let batch: Record<(typeof COLUMNS)[number][0], string | number | null>[] = [];
    const flush = async () => {
      for (const params of insert.bind(batch)) await tx.run(insert.sql, params);
      batch = [];
    };
    for (const row of fillRows(count, options)) {
      tally(byStatus, row.status);
      tally(byName, row.name);
      tally(byVersion, row.version ?? "(none)");
      tally(
        byIdKind,
        /^[0-9a-f]{32}$/.test(row.instance_id) ? "hex" : /^(@counter@|[a-z]+-)/.exec(row.instance_id)![0],
      );
      createdFrom = Math.min(createdFrom, row.created_at);
      createdTo = Math.max(createdTo, row.created_at);
      const finished = FINISHED.has(row.status);
      batch.push({
        ...row,
        last_updated_at: finished ? row.created_at + 500 : row.created_at,
        completed_at: finished ? row.created_at + 500 : null,
        output: row.status === "Completed" ? '{"ok":true}' : null,
      });
      if (batch.length === 5000) await flush();
    }
    await flush();
  });
  return { instances: count, byStatus, byName, byVersion, byIdKind, createdFrom, createdTo };
}

/** A small, seeded, well-mixed 32-bit generator (mulberry32), in [0, 1). */
function mulberry32(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A named listing filter worth measuring on a fill. */
export interface FillQuery {
  readonly name: string;
  readonly filter: InstanceFilter;
}

/**
 * Listing filters of every shape on a fill described by `fill`: each filter alone (rare and common values), several
 * statuses, and the usual combinations.
 */
export function fillQueries(fill: FillSummary): FillQuery[] {
  const span = fill.createdTo - fill.createdFrom;
  const window = { createdFrom: fill.createdFrom + span * 0.4, createdTo: fill.createdFrom + span * 0.5 };
  const ids = [...fillRows(200)].map((row) => row.instance_id);
  return [
    { name: "no filter", filter: {} },
    { name: "orchestrations", filter: { excludeEntities: true } },
    { name: "created range", filter: window },
    { name: "a rare status", filter: { statuses: ["Failed"] } },
    { name: "a recent rare status", filter: { statuses: ["Suspended"] } },
    { name: "a common status", filter: { statuses: ["Completed"] } },
    { name: "active statuses", filter: { statuses: ["Running", "Pending", "Suspended"] } },
    { name: "finished statuses", filter: { statuses: ["Completed", "Failed", "Terminated"] } },
    { name: "a status in a created range", filter: { statuses: ["Failed"], ...window } },
    { name: "orchestrations of a status", filter: { statuses: ["Running"], excludeEntities: true } },
    { name: "a rare name", filter: { name: "RareJob" } },
    { name: "a name", filter: { name: "Cleanup" } },
    { name: "a rare version", filter: { version: "3.0-beta" } },
    { name: "a version", filter: { version: "2.0" } },
    { name: "a name and a status", filter: { name: "SendInvoice", statuses: ["Failed"] } },
    {
      name: "orchestrations of a name and statuses",
      filter: { name: "SendInvoice", statuses: ["Failed", "Terminated"], excludeEntities: true },
    },
    { name: "a rare prefix", filter: { instanceIdPrefix: "audit-" } },
    { name: "a common prefix", filter: { instanceIdPrefix: "order-" } },
    { name: "entities", filter: { instanceIdPrefix: "@" } },
    { name: "a prefix and a status", filter: { instanceIdPrefix: "invoice-", statuses: ["Completed"] } },
    { name: "instance IDs", filter: { instanceIds: ids } },
  ];
}
