/**
 * Metrics on PostgreSQL (the local server, one schema per host): the suite of `test/support/metrics-suite.ts`. Fails,
 * never skips, when the server is unreachable.
 */
import { after } from "node:test";
import { DEFAULT_POSTGRES_URL } from "../../src/sql/postgres/postgres-task-hub.js";
import { metricsSuite } from "../support/metrics-suite.js";
import {
  config,
  dropCreatedSchemas,
  dropSchema,
  requirePostgres,
  uniqueHubName,
} from "../task-hub/postgres-support.js";

after(dropCreatedSchemas);

metricsSuite("PostgreSQL", {
  prepare: requirePostgres,
  flags: () => ({
    hub: config.connectionString ?? DEFAULT_POSTGRES_URL,
    "hub-name": uniqueHubName("metrics"),
  }),
  dispose: dropSchema,
});
