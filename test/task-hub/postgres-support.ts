/**
 * PostgreSQL test support: the server to test against, a connectivity check that fails loudly, unique hub names and
 * schema cleanup.
 * @module
 */
import pg from "pg";
import type { LogSink } from "../../src/core/logger.js";
import type { PostgresMaintenanceOptions } from "../../src/sql/postgres/pg-maintenance.js";
import {
  DEFAULT_POSTGRES_URL,
  postgresTaskHub,
  resolvePostgresConfig,
} from "../../src/sql/postgres/postgres-task-hub.js";
import type { SqlTaskHub } from "../../src/sql/sql-task-hub.js";
import type { Clock } from "../../src/task-hub/clock.js";
import type { TestHubBackend } from "../http/http-test-host.js";

/** The test server: `TASKHUB_POSTGRES_URL` / `DATABASE_URL` / PG* variables, else the local default. */
export const config = resolvePostgresConfig({});

const created = new Set<string>();
let counter = 0;

/** A hub name no other test (or test process) uses. */
export function uniqueHubName(prefix = "t"): string {
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  created.add(name);
  return name;
}

/** A log sink that drops everything (the hubs' autovacuum warning on the test server). */
export const quietLog: LogSink = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * A hub on a fresh schema (or on `hubName`), remembered for {@link dropCreatedSchemas}; its log lines are dropped
 * unless `options.logger` is given.
 */
export function testHub(
  hubName = uniqueHubName(),
  options: {
    readonly clock?: Clock;
    readonly logger?: LogSink;
    readonly maintenance?: PostgresMaintenanceOptions;
  } = {},
): SqlTaskHub {
  created.add(hubName);
  return postgresTaskHub({
    connectionString: config.connectionString,
    pool: { ...config, max: 4 },
    hubName,
    clock: options.clock,
    logger: options.logger ?? quietLog,
    maintenance: options.maintenance,
  });
}

/** Runs `fn` with a short-lived client. */
export async function withClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(config);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

let reachable: Promise<void> | undefined;

/**
 * Fails (never skips) when the server cannot be reached, saying how to fix it. Checked once per process; use it as a
 * `beforeEach` hook so that every test fails with the message.
 */
export function requirePostgres(): Promise<void> {
  reachable ??= withClient((client) => client.query("SELECT 1")).then(
    () => undefined,
    (error: unknown) => {
      const target = config.connectionString ?? "(PG* environment variables)";
      throw new Error(
        `PostgreSQL is required for these tests and is not reachable at ${target}: ` +
          `${error instanceof Error ? error.message : String(error)}. Start a server there (trust auth, user ` +
          `postgres, database test) or point TASKHUB_POSTGRES_URL at one.`,
        { cause: error },
      );
    },
  );
  return reachable;
}

/** Drops one hub's schema. */
export async function dropSchema(hubName: string): Promise<void> {
  await withClient((client) => client.query(`DROP SCHEMA IF EXISTS "${hubName}" CASCADE`));
  created.delete(hubName);
}

/** Drops every schema created through this module. */
export async function dropCreatedSchemas(): Promise<void> {
  if (created.size === 0) return;
  await withClient(async (client) => {
    for (const name of created) await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
  });
  created.clear();
}

/**
 * Test hosts (`startTestHost`, the metrics suite) on PostgreSQL: each on its own hub (schema) of the test server,
 * named `prefix_...`, checked reachable before it starts (failing, never skipping) and dropped after it stops.
 */
export function postgresTestHubs(
  prefix: string,
): TestHubBackend & { readonly flags: () => { hub: string; "hub-name": string } } {
  return {
    prepare: requirePostgres,
    flags: () => ({
      hub: config.connectionString ?? DEFAULT_POSTGRES_URL,
      "hub-name": uniqueHubName(prefix),
    }),
    dispose: dropSchema,
  };
}
