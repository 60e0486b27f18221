/**
 * {@link HubMaintenance}: background upkeep of a SQL hub's own tables, started once the schema is migrated (`init`)
 * and stopped by `close`. PostgreSQL's keeps its hot tables vacuumed when the server's autovacuum does not
 * (`postgres/pg-maintenance.ts`); SQLite needs none (a deleted row leaves no dead version behind, and its pages are
 * reused at once).
 * @module
 */

/** What one maintenance round did. */
export interface MaintenanceRound {
  /** False when another process (or hub object) held the maintenance lease: the round did nothing. */
  readonly leased: boolean;
  /** Tables vacuumed (and analyzed). */
  readonly vacuumed: readonly string[];
  /** Tables only analyzed. */
  readonly analyzed: readonly string[];
  /** Tables the database skipped (locked by someone else, or not ours to vacuum), with its reason. */
  readonly skipped: readonly { readonly table: string; readonly reason: string }[];
}

/** Background upkeep of a hub's tables. */
export interface HubMaintenance {
  /**
   * Looks at the database (once the schema is migrated), says what it finds that needs saying (one warning when the
   * hub has to keep its tables healthy itself), and starts the rounds if they are needed. Never rejects: a failure
   * is logged, and the hub works without maintenance.
   */
  start(): Promise<void>;
  /** Runs one round now, whatever the configuration (for tools and tests). */
  runOnce(): Promise<MaintenanceRound>;
  /** Stops the rounds; a round in progress is abandoned (the database finishes its statement alone). Idempotent. */
  close(): Promise<void>;
}
