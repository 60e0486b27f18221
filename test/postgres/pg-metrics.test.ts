/**
 * Metrics on PostgreSQL (the local server, one schema per host): the suite of `test/support/metrics-suite.ts`. Fails,
 * never skips, when the server is unreachable.
 */
import { after } from "node:test";
import { metricsSuite } from "../support/metrics-suite.js";
import { dropCreatedSchemas, postgresTestHubs } from "../task-hub/postgres-support.js";

after(dropCreatedSchemas);

metricsSuite("PostgreSQL", postgresTestHubs("metrics"));
