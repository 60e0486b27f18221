/**
 * When a hot table is due for `VACUUM` or `ANALYZE`: autovacuum's own rule (a table is vacuumed once its dead rows, or
 * its rows inserted since the last vacuum, pass `threshold + scale_factor × rows`; analyzed once its changes since the
 * last analyze pass theirs), with the table's storage parameters over the server's settings, as autovacuum reads
 * them. The hub's maintenance (`pg-maintenance.ts`) decides with it, so that the tables' settings (migration
 * `0007_churn_tables`, or an operator's `ALTER TABLE ... SET (...)`) steer both.
 * @module
 */

/** The server settings the rule reads (`pg_settings`: name → setting). */
export const VACUUM_SETTINGS = [
  "autovacuum_vacuum_threshold",
  "autovacuum_vacuum_scale_factor",
  "autovacuum_vacuum_insert_threshold",
  "autovacuum_vacuum_insert_scale_factor",
  "autovacuum_analyze_threshold",
  "autovacuum_analyze_scale_factor",
  "autovacuum_vacuum_cost_delay",
  "autovacuum_vacuum_cost_limit",
  "vacuum_cost_delay",
  "vacuum_cost_limit",
] as const;

/** One table's thresholds and the cost-based delay its vacuum runs with (as autovacuum's would). */
export interface VacuumThresholds {
  readonly vacuumThreshold: number;
  readonly vacuumScaleFactor: number;
  /** `-1`: inserts never make the table due. */
  readonly insertThreshold: number;
  readonly insertScaleFactor: number;
  readonly analyzeThreshold: number;
  readonly analyzeScaleFactor: number;
  /** `vacuum_cost_delay` for its vacuum, in milliseconds. */
  readonly costDelayMs: number;
  /** `vacuum_cost_limit` for its vacuum. */
  readonly costLimit: number;
}

/** One table's counters (`pg_stat_user_tables`, `pg_class.reltuples`). */
export interface TableCounters {
  readonly deadRows: number;
  readonly insertedSinceVacuum: number;
  readonly modifiedSinceAnalyze: number;
  /** The planner's row estimate; negative when never vacuumed nor analyzed (counted as 0). */
  readonly rows: number;
}

/**
 * The thresholds of a table with storage parameters `reloptions` (`pg_class.reloptions`: `name=value` strings, or
 * null) on a server with `settings` (every name of {@link VACUUM_SETTINGS}).
 */
export function vacuumThresholds(
  reloptions: readonly string[] | null,
  settings: Readonly<Record<string, string>>,
): VacuumThresholds {
  const table = new Map(
    (reloptions ?? []).map((option) => {
      const at = option.indexOf("=");
      return [option.slice(0, at), option.slice(at + 1)] as const;
    }),
  );
  const read = (name: string): number => Number(table.get(name) ?? settings[name]);
  /** An autovacuum cost setting: the table's, else the server's autovacuum one, else (`-1`) the plain one. */
  const cost = (name: string, fallback: string): number => {
    const value = read(name);
    return value < 0 ? Number(settings[fallback]) : value;
  };
  return {
    vacuumThreshold: read("autovacuum_vacuum_threshold"),
    vacuumScaleFactor: read("autovacuum_vacuum_scale_factor"),
    insertThreshold: read("autovacuum_vacuum_insert_threshold"),
    insertScaleFactor: read("autovacuum_vacuum_insert_scale_factor"),
    analyzeThreshold: read("autovacuum_analyze_threshold"),
    analyzeScaleFactor: read("autovacuum_analyze_scale_factor"),
    costDelayMs: cost("autovacuum_vacuum_cost_delay", "vacuum_cost_delay"),
    costLimit: cost("autovacuum_vacuum_cost_limit", "vacuum_cost_limit"),
  };
}

/** What a table is due for: `VACUUM`, `ANALYZE`, both, or neither. */
export function dueWork(
  counters: TableCounters,
  t: VacuumThresholds,
): { readonly vacuum: boolean; readonly analyze: boolean } {
  const rows = Math.max(0, counters.rows);
  return {
    vacuum:
      counters.deadRows > t.vacuumThreshold + t.vacuumScaleFactor * rows ||
      (t.insertThreshold >= 0 &&
        counters.insertedSinceVacuum > t.insertThreshold + t.insertScaleFactor * rows),
    analyze: counters.modifiedSinceAnalyze > t.analyzeThreshold + t.analyzeScaleFactor * rows,
  };
}
