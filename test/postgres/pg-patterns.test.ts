/**
 * The end-to-end scenarios (orchestration patterns, instance management, entities) on PostgreSQL, one fresh hub (schema) per
 * test, with the session cache on and off. Fails, never skips, when the server is unreachable.
 */
import { after, before } from "node:test";
import { describeEntities } from "../support/e2e-entities.js";
import { describeManagement } from "../support/e2e-management.js";
import { describePatterns } from "../support/e2e-patterns.js";
import { dropCreatedSchemas, requirePostgres, testHub } from "../task-hub/postgres-support.js";

before(requirePostgres);
after(dropCreatedSchemas);

const makeHub = async () => {
  await requirePostgres();
  return testHub();
};

describePatterns("PostgreSQL", makeHub);
describePatterns("PostgreSQL, no session cache", makeHub, { maxCachedOrchestrations: 0 });
describeManagement("PostgreSQL", makeHub);
describeEntities("PostgreSQL", makeHub);
describeEntities("PostgreSQL, no session cache, batches of 3", makeHub, {
  maxCachedOrchestrations: 0,
  maxEntityOperationBatchSize: 3,
});
