/**
 * The sidecar's client RPCs on PostgreSQL: the suite of `test/sidecar/client-rpcs-suite.ts` through the real
 * durabletask-js client, its host on its own hub (schema) of the local PostgreSQL server. Fails, never skips, when
 * the server is unreachable.
 */
import { after } from "node:test";
import { DEFAULT_POSTGRES_URL } from "../../src/sql/postgres/postgres-task-hub.js";
import { useTestHubBackend } from "../http/http-test-host.js";
import { clientRpcSuite } from "../sidecar/client-rpcs-suite.js";
import {
  config,
  dropCreatedSchemas,
  dropSchema,
  requirePostgres,
  uniqueHubName,
} from "../task-hub/postgres-support.js";

useTestHubBackend({
  prepare: requirePostgres,
  flags: () => ({
    hub: config.connectionString ?? DEFAULT_POSTGRES_URL,
    "hub-name": uniqueHubName("sidecar_client"),
  }),
  dispose: dropSchema,
});
after(dropCreatedSchemas);

clientRpcSuite("PostgreSQL");
