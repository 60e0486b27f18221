/**
 * The sidecar's client RPCs on PostgreSQL: the suite of `test/sidecar/client-rpcs-suite.ts` through the real
 * durabletask-js client, its host on its own hub (schema) of the local PostgreSQL server. Fails, never skips, when
 * the server is unreachable.
 */
import { after } from "node:test";
import { useTestHubBackend } from "../http/http-test-host.js";
import { clientRpcSuite } from "../sidecar/client-rpcs-suite.js";
import { dropCreatedSchemas, postgresTestHubs } from "../task-hub/postgres-support.js";

useTestHubBackend(postgresTestHubs("sidecar_client"));
after(dropCreatedSchemas);

clientRpcSuite("PostgreSQL");
