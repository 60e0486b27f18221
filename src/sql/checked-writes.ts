/**
 * The checked write strategy ({@link checkedWrites}), SQLite's: every write reads (and on PostgreSQL locks) the rows it
 * depends on, checks them in code, then writes; claims are a transaction of a few statements. The guarded strategy of
 * PostgreSQL (`postgres/guarded-writes.ts`) falls back to it when a guard fails.
 * @module
 */
import type { WriteStrategy } from "./hub-context.js";
import { completeActivitiesChecked, lockActivitiesInTransaction } from "./sql-activities.js";
import { createInstanceChecked } from "./sql-instances.js";
import { completeOrchestrationsChecked } from "./sql-orchestration-commit.js";
import { claimAmongInTransaction, lockInTransaction } from "./sql-orchestrations.js";

/** The checked {@link WriteStrategy}. */
export const checkedWrites: WriteStrategy = {
  createInstance: createInstanceChecked,
  completeOrchestrations: completeOrchestrationsChecked,
  completeActivities: completeActivitiesChecked,
  lockOrchestrations: lockInTransaction,
  claimAmong: claimAmongInTransaction,
  lockActivities: lockActivitiesInTransaction,
};
