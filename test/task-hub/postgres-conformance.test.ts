/**
 * The task hub conformance suite against the local PostgreSQL server, one fresh schema (hub) per test. Fails, never
 * skips, when the server is unreachable.
 */
import { after, beforeEach, describe } from "node:test";
import { SqlTaskHub } from "../../src/sql/sql-task-hub.js";
import { describeTaskHubConformance } from "../../src/testing/task-hub-conformance.js";
import { dropCreatedSchemas, dropSchema, requirePostgres, testHub } from "./postgres-support.js";
import { sqlConformanceHooks } from "./sql-hooks.js";

describe("PostgreSQL task hub", () => {
  beforeEach(requirePostgres);
  after(dropCreatedSchemas);
  describeTaskHubConformance("PostgreSQL", async () => testHub(), {
    ...sqlConformanceHooks,
    disposeHub: async (hub) => {
      if (hub instanceof SqlTaskHub && hub.dialect.schema) await dropSchema(hub.dialect.schema);
    },
  });
});
