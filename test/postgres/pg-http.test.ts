/**
 * The HTTP API on PostgreSQL: the management-API and async-HTTP-pattern suites of `test/http/`, with every test host
 * on its own hub (schema) of the local PostgreSQL server. Fails, never skips, when the server is unreachable.
 */
import { after } from "node:test";
import { useTestHubBackend } from "../http/http-test-host.js";
import { dropCreatedSchemas, postgresTestHubs } from "../task-hub/postgres-support.js";

useTestHubBackend(postgresTestHubs("http"));
after(dropCreatedSchemas);

await import("../http/management-api.test.js");
await import("../http/async-http-pattern.test.js");
