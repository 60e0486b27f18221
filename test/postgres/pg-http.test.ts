/**
 * The HTTP API on PostgreSQL: the management-API and async-HTTP-pattern suites of `test/http/`, with every test host
 * on its own hub (schema) of the local PostgreSQL server. Fails, never skips, when the server is unreachable.
 */
import { after } from "node:test";
import { DEFAULT_POSTGRES_URL } from "../../src/sql/postgres/postgres-task-hub.js";
import { useTestHubBackend } from "../http/http-test-host.js";
import {
  config,
  dropCreatedSchemas,
  dropSchema,
  requirePostgres,
  uniqueHubName,
} from "../task-hub/postgres-support.js";

useTestHubBackend({
  prepare: requirePostgres,
  flags: () => ({ hub: config.connectionString ?? DEFAULT_POSTGRES_URL, "hub-name": uniqueHubName("http") }),
  dispose: dropSchema,
});
after(dropCreatedSchemas);

await import("../http/management-api.test.js");
await import("../http/async-http-pattern.test.js");
