/**
 * The task hub conformance suites (core and fast paths) against the local PostgreSQL server, one fresh schema (hub) per test. Fails, never
 * skips, when the server is unreachable.
 */
import { after, beforeEach, describe } from "node:test";
import { SqlTaskHub } from "../../src/sql/sql-task-hub.js";
import { describeFastPathConformance } from "../../src/testing/fast-paths/fast-path-conformance.js";
import { describeTaskHubConformance } from "../../src/testing/task-hub-conformance.js";
import { dropCreatedSchemas, dropSchema, requirePostgres, testHub } from "./postgres-support.js";
import { sqlConformanceHooks } from "./sql-hooks.js";

describe("PostgreSQL task hub", () => {
  beforeEach(requirePostgres);
  after(dropCreatedSchemas);
  const options = {
    ...sqlConformanceHooks,
    disposeHub: async (hub: unknown) => {
      if (hub instanceof SqlTaskHub && hub.dialect.schema) await dropSchema(hub.dialect.schema);
    },
  };
  describeTaskHubConformance("PostgreSQL", async () => testHub(), options);
  describeFastPathConformance("PostgreSQL", async () => testHub(), options);
});
