/**
 * {@link PgMaintenance}: keeps a PostgreSQL hub's hot tables (`inbox`, `activity_queue`, `instances`) vacuumed. Every
 * step leaves dead row versions in them (a message inserted then deleted, an instance row updated), and until `VACUUM`
 * removes them the claims walk their dead index entries and the tables swell: on a server with `autovacuum = off` a
 * 100,000-instance fill slowed down six-fold. Autovacuum, where it runs, visits a database once a minute
 * (`autovacuum_naptime`), which lets a busy hub's queues swell to several times their size between two visits. So the
 * hub runs rounds on a pace of its own (default every 5 s): a round checks each hot table's dead rows against its
 * autovacuum thresholds (`pg-vacuum-policy.ts`, as autovacuum would) and runs `VACUUM` or `ANALYZE` on the tables
 * due, one at a time. Whichever of autovacuum and the hub comes first vacuums a table; the other then finds it clean.
 * At start the hub looks whether autovacuum covers its hot tables at all (`autovacuum`, `track_counts`, each table's
 * `autovacuum_enabled`), and says so once (a warning naming the setting) when it does not.
 *
 * A round runs on a connection of its own (never one of the pool's, never inside a transaction), under a lease: a
 * session advisory lock keyed by the hub, taken with `pg_try_advisory_lock`, so that one process of the hub's at a
 * time vacuums (the others skip the round; the next one sees fewer dead rows). `VACUUM` blocks no reader or writer;
 * it skips a table someone else holds a conflicting lock on (`SKIP_LOCKED`, e.g. autovacuum itself), never truncates
 * the table (`TRUNCATE FALSE`: that takes an exclusive lock, if briefly), and is throttled as autovacuum's would be
 * (the table's cost delay and limit).
 * @module
 */
import { performance } from "node:perf_hooks";
import pg from "pg";
import { TaskHubError } from "../../core/errors.js";
import { errorFields, type Logger } from "../../core/logger.js";
import type { HubMaintenance, MaintenanceRound } from "../hub-maintenance.js";
import { hubLockKey, quoteIdentifier } from "./pg-dialect.js";
import { dueWork, VACUUM_SETTINGS, vacuumThresholds } from "./pg-vacuum-policy.js";

/** The hub's hot tables, in the order a round looks at them (the small queues first). */
export const HOT_TABLES = ["inbox", "activity_queue", "instances"] as const;

/** `maintenance` of `postgresTaskHub`. */
export interface PostgresMaintenanceOptions {
  /**
   * Whether the hub vacuums its hot tables itself: `"auto"` (default) when their dead rows pass their autovacuum
   * thresholds and autovacuum has not come first (or does not run: `autovacuum = off`, `track_counts = off`, or a
   * table's `autovacuum_enabled = false`, which the hub warns about at start); `"off"` never (vacuum them yourself,
   * or call `SqlTaskHub.runMaintenance()` on a schedule of yours).
   */
  readonly vacuum?: "auto" | "off" | undefined;
  /** Milliseconds between two rounds (default 5,000, `DEFAULT_MAINTENANCE_INTERVAL_MS`). */
  readonly intervalMs?: number | undefined;
}

/** Default pace of the rounds. */
export const DEFAULT_MAINTENANCE_INTERVAL_MS = 5_000;

/** First key of the maintenance lease (an advisory lock; the second is {@link hubLockKey}): "vacu" in ASCII. */
export const MAINTENANCE_LOCK_CLASS = 0x76616375;

/** What {@link PgMaintenance} works with. */
export interface PgMaintenanceParts {
  /** How to connect (the hub's pool settings). */
  readonly config: pg.ClientConfig;
  /** The hub's schema. */
  readonly schema: string;
  readonly logger: Logger;
  readonly options: PostgresMaintenanceOptions;
}

/** Whether autovacuum covers the hot tables, from the server's and the tables' settings. */
interface Coverage {
  /** Tables autovacuum does not vacuum. */
  readonly uncovered: readonly string[];
  /** The setting that says so, as `name = value`. */
  readonly setting: string;
  /** Why, in words (the start of the warning). */
  readonly reason: string;
  /** Without counters (`track_counts = off`) a round cannot tell dead rows: it vacuums every table. */
  readonly paced: boolean;
}

/** The hub's maintenance of its hot tables (see the module documentation). */
export class PgMaintenance implements HubMaintenance {
  readonly #parts: PgMaintenanceParts;
  readonly #intervalMs: number;
  /** Tables the scheduled rounds look after (none: no rounds). */
  #tables: readonly string[] = [];
  #paced = false;
  #timer: NodeJS.Timeout | undefined;
  #current: Promise<unknown> | undefined;
  readonly #clients = new Set<pg.Client>();
  #closed = false;
  /** The last round failed (its error was logged; the next failure is not). */
  #failing = false;
  /** Reasons already logged for skipped tables. */
  readonly #skipsLogged = new Set<string>();

  constructor(parts: PgMaintenanceParts) {
    this.#parts = parts;
    this.#intervalMs = parts.options.intervalMs ?? DEFAULT_MAINTENANCE_INTERVAL_MS;
  }

  async start(): Promise<void> {
    const { logger, schema, options } = this.#parts;
    const mode = options.vacuum ?? "auto";
    let coverage: Coverage;
    try {
      coverage = await this.#withClient((client) => inspectCoverage(client, schema));
    } catch (error) {
      logger.warn(
        `Task hub "${schema}": could not read the server's autovacuum settings; the hub does not vacuum its tables.`,
        { hubName: schema, ...errorFields(error) },
      );
      return;
    }
    const tables = mode === "auto" ? HOT_TABLES : [];
    if (coverage.uncovered.length > 0) {
      const fields = { hubName: schema, setting: coverage.setting, tables: coverage.uncovered };
      if (mode === "auto")
        logger.warn(
          `${coverage.reason}: task hub "${schema}" vacuums ${list(coverage.uncovered)} itself, ` +
            (coverage.paced
              ? `every ${this.#intervalMs} ms (it cannot count their dead rows), `
              : `looking every ${this.#intervalMs} ms and vacuuming a table once its dead rows pass its autovacuum ` +
                `thresholds, `) +
            `one process at a time. Turn autovacuum on, or set maintenance: { vacuum: "off" } to vacuum them ` +
            `yourself.`,
          fields,
        );
      else
        logger.warn(
          `${coverage.reason}, and task hub "${schema}" does not vacuum (maintenance: { vacuum: "off" }): nothing ` +
            `removes the dead rows its steps leave in ${list(coverage.uncovered)}, and its claims slow down as they ` +
            `pile up. Vacuum them yourself, or turn autovacuum on.`,
          fields,
        );
    }
    this.#tables = tables;
    this.#paced = coverage.paced;
    this.#schedule();
  }

  runOnce(): Promise<MaintenanceRound> {
    if (this.#closed) return Promise.reject(new TaskHubError("The task hub is closed."));
    return this.#round(HOT_TABLES, this.#paced);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    // A VACUUM in progress finishes on the server (and releases the lease when its session ends); nobody waits for it.
    for (const client of this.#clients) void client.end().catch(() => undefined);
    await this.#current?.catch(() => undefined);
  }

  #schedule(): void {
    if (this.#closed || this.#tables.length === 0) return;
    this.#timer = setTimeout(() => {
      this.#current = this.#round(this.#tables, this.#paced)
        .then(
          () => (this.#failing = false),
          (error: unknown) => {
            if (this.#closed || this.#failing) return;
            this.#failing = true;
            this.#parts.logger.warn(
              `Task hub "${this.#parts.schema}": vacuuming its tables failed, trying again in ${this.#intervalMs} ms.`,
              { hubName: this.#parts.schema, ...errorFields(error) },
            );
          },
        )
        .finally(() => {
          this.#current = undefined;
          this.#schedule();
        });
    }, this.#intervalMs);
    this.#timer.unref();
  }

  /** One round over `tables`, under the lease. */
  #round(tables: readonly string[], paced: boolean): Promise<MaintenanceRound> {
    const { schema } = this.#parts;
    return this.#withClient(async (client) => {
      const key = [MAINTENANCE_LOCK_CLASS, hubLockKey(schema)];
      const lease = await client.query<{ leased: boolean }>(
        "SELECT pg_try_advisory_lock($1::int4, $2::int4) AS leased",
        key,
      );
      if (!lease.rows[0]?.leased) return { leased: false, vacuumed: [], analyzed: [], skipped: [] };
      try {
        return { leased: true, ...(await this.#maintain(client, tables, paced)) };
      } finally {
        await client.query("SELECT pg_advisory_unlock($1::int4, $2::int4)", key);
      }
    });
  }

  /** Vacuums or analyzes, one at a time, those of `tables` that are due (all of them when `paced`). */
  async #maintain(client: pg.Client, tables: readonly string[], paced: boolean) {
    const { schema, logger } = this.#parts;
    const settings = Object.fromEntries(
      (
        await client.query<{ name: string; setting: string }>(
          "SELECT name, setting FROM pg_settings WHERE name = ANY($1::text[])",
          [VACUUM_SETTINGS],
        )
      ).rows.map((row) => [row.name, row.setting]),
    );
    const { rows } = await client.query<TableRow>(TABLE_COUNTERS, [schema, tables]);
    const vacuumed: string[] = [];
    const analyzed: string[] = [];
    const skipped: { table: string; reason: string }[] = [];
    for (const table of tables) {
      const row = rows.find((r) => r.relname === table);
      if (!row || this.#closed) continue;
      const thresholds = vacuumThresholds(row.reloptions, settings);
      const counters = {
        deadRows: Number(row.n_dead_tup ?? 0),
        insertedSinceVacuum: Number(row.n_ins_since_vacuum ?? 0),
        modifiedSinceAnalyze: Number(row.n_mod_since_analyze ?? 0),
        rows: Number(row.reltuples),
      };
      const due = paced ? { vacuum: true, analyze: true } : dueWork(counters, thresholds);
      if (!due.vacuum && !due.analyze) continue;
      const name = `${quoteIdentifier(schema)}.${quoteIdentifier(table)}`;
      const started = performance.now();
      let warning: string | undefined;
      if (due.vacuum) {
        await client.query(
          "SELECT set_config('vacuum_cost_delay', $1, false), set_config('vacuum_cost_limit', $2, false)",
          [String(thresholds.costDelayMs), String(thresholds.costLimit)],
        );
        warning = await runCapturingWarning(
          client,
          `VACUUM (${due.analyze ? "ANALYZE, " : ""}SKIP_LOCKED, TRUNCATE FALSE) ${name}`,
        );
      } else warning = await runCapturingWarning(client, `ANALYZE (SKIP_LOCKED) ${name}`);
      if (warning !== undefined) {
        skipped.push({ table, reason: warning });
        // Someone else vacuuming it (autovacuum, an operator) is no news; anything else (not the owner) is.
        if (!LOCK_NOT_AVAILABLE.test(warning) && !this.#skipsLogged.has(warning)) {
          this.#skipsLogged.add(warning);
          logger.warn(`Task hub "${schema}": PostgreSQL skipped its table ${table}: ${warning}`, {
            hubName: schema,
            table,
          });
        }
        continue;
      }
      (due.vacuum ? vacuumed : analyzed).push(table);
      logger.debug(`Task hub "${schema}": ${due.vacuum ? "vacuumed" : "analyzed"} ${table}`, {
        hubName: schema,
        table,
        deadRows: counters.deadRows,
        ms: Math.round(performance.now() - started),
      });
    }
    return { vacuumed, analyzed, skipped };
  }

  /** Runs `fn` on a new connection of its own, closed afterwards. */
  async #withClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ ...this.#parts.config, application_name: "taskhub maintenance" });
    client.on("error", () => undefined); // the statement running fails with it
    this.#clients.add(client);
    try {
      await client.connect();
      // A vacuum of a large table may take longer than the hub's statements are allowed to.
      await client.query("SET statement_timeout = 0");
      return await fn(client);
    } finally {
      this.#clients.delete(client);
      await client.end().catch(() => undefined);
    }
  }
}

/** The warning of a `VACUUM (SKIP_LOCKED)` that skipped a table locked by someone else. */
const LOCK_NOT_AVAILABLE = /lock not available/i;

/** The counters and storage parameters of the hub's tables `$2` in schema `$1`. */
const TABLE_COUNTERS = `SELECT c.relname, c.reltuples, c.reloptions, s.n_dead_tup, s.n_ins_since_vacuum,
    s.n_mod_since_analyze
  FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
  LEFT JOIN pg_stat_user_tables AS s ON s.relid = c.oid
  WHERE n.nspname = $1 AND c.relname = ANY($2::text[]) AND c.relkind = 'r'`;

interface TableRow {
  relname: string;
  reltuples: number;
  reloptions: string[] | null;
  n_dead_tup: string | null;
  n_ins_since_vacuum: string | null;
  n_mod_since_analyze: string | null;
}

/** Whether autovacuum covers the hub's hot tables. */
async function inspectCoverage(client: pg.Client, schema: string): Promise<Coverage> {
  const settings = Object.fromEntries(
    (
      await client.query<{ name: string; setting: string }>(
        "SELECT name, setting FROM pg_settings WHERE name IN ('autovacuum', 'track_counts')",
      )
    ).rows.map((row) => [row.name, row.setting]),
  );
  if (settings.autovacuum === "off")
    return {
      uncovered: HOT_TABLES,
      setting: "autovacuum = off",
      reason: "PostgreSQL autovacuum is off on this server (autovacuum = off)",
      paced: settings.track_counts === "off",
    };
  if (settings.track_counts === "off")
    return {
      uncovered: HOT_TABLES,
      setting: "track_counts = off",
      reason:
        "PostgreSQL counts no table activity on this server (track_counts = off), so autovacuum cannot run",
      paced: true,
    };
  const { rows } = await client.query<TableRow>(TABLE_COUNTERS, [schema, HOT_TABLES]);
  const disabled = HOT_TABLES.filter((table) =>
    rows.some((row) => row.relname === table && isOff(option(row.reloptions, "autovacuum_enabled"))),
  );
  return {
    uncovered: disabled,
    setting: "autovacuum_enabled = false",
    reason: `Autovacuum is disabled on ${tableNames(disabled)} of task hub "${schema}" (autovacuum_enabled = false)`,
    paced: false,
  };
}

/** The value of storage parameter `name` among `reloptions` (`name=value` strings). */
function option(reloptions: readonly string[] | null, name: string): string | undefined {
  return reloptions
    ?.find((entry) => entry.startsWith(`${name}=`))
    ?.slice(name.length + 1)
    .toLowerCase();
}

/** PostgreSQL's spellings of a false boolean. */
function isOff(value: string | undefined): boolean {
  return value !== undefined && ["off", "false", "f", "no", "n", "0"].includes(value);
}

/** Runs `sql`; resolves with the first WARNING the server sent meanwhile (a table skipped), if any. */
async function runCapturingWarning(client: pg.Client, sql: string): Promise<string | undefined> {
  let warning: string | undefined;
  const onNotice = (notice: { severity?: string | undefined; message?: string | undefined }) => {
    if (notice.severity === "WARNING") warning ??= notice.message;
  };
  client.on("notice", onNotice);
  try {
    await client.query(sql);
  } finally {
    client.off("notice", onNotice);
  }
  return warning;
}

/** `its table a` / `its tables a, b`. */
function list(tables: readonly string[]): string {
  return `its ${tableNames(tables)}`;
}

/** `table a` / `tables a, b`. */
function tableNames(tables: readonly string[]): string {
  return tables.length === 1 ? `table ${tables[0]}` : `tables ${tables.join(", ")}`;
}
