/**
 * The entity scenarios on PostgreSQL, one fresh schema (hub) per test. Fails, never skips, when the server is
 * unreachable (see `test/task-hub/postgres-support.ts`).
 */
import { after, before, describe } from "node:test";
import { describeEntities } from "../support/e2e-entities.js";
import { dropCreatedSchemas, requirePostgres, testHub } from "../task-hub/postgres-support.js";

describe("PostgreSQL task hub", () => {
  before(requirePostgres);
  after(dropCreatedSchemas);
  describeEntities("PostgreSQL", async () => testHub());
});
