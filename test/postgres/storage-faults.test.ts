/**
 * Storage faults on PostgreSQL, over real HTTP: a database made read-only (`default_transaction_read_only`, its
 * connections terminated so that new ones take the setting) on the local server, and the server gone (a throwaway
 * cluster stopped, then started again). While a fault lasts, every write path answers 503 with `Retry-After` and a
 * JSON reason (reads too when the server is gone), bad input is still a 400; the worker meets the fault, backs off
 * and finishes everything once it is gone.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, it } from "node:test";
import type pg from "pg";
import { postgresTaskHub } from "../../src/index.js";
import { DEFAULT_POSTGRES_URL } from "../../src/sql/postgres/postgres-task-hub.js";
import { startThrowawayCluster } from "../support/pg-cluster.js";
import {
  assertServesAgain,
  assertStorageUnavailable,
  assertWritesRefused,
  MGMT,
  PAD,
  startBeforeFault,
  withFaultHost,
  workerMetFault,
  type FaultHost,
} from "../support/storage-faults.js";
import { eventually } from "../support/test-host.js";
import { config, requirePostgres, withClient } from "../task-hub/postgres-support.js";

const terminate = (client: pg.Client, database: string) =>
  client.query(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
    [database],
  );

/** Waits until a start is refused for `fault` (the first answers may name the cut connections instead). */
async function untilRefusedFor(host: FaultHost, fault: "read-only"): Promise<void> {
  await eventually(async () => {
    const response = await host.fetch(`${MGMT}/orchestrators/Steps`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ pad: PAD }),
    });
    return (await assertStorageUnavailable(response, "a start as the fault sets in")).fault === fault;
  }, 30_000);
}

describe("storage faults over HTTP (PostgreSQL)", () => {
  it("a read-only database: 503 read-only, Retry-After 30", { timeout: 120_000 }, async () => {
    await requirePostgres();
    const serverUrl = config.connectionString ?? DEFAULT_POSTGRES_URL;
    const database = `th_readonly_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
    await withClient((c) => c.query(`CREATE DATABASE ${database}`));
    const url = new URL(serverUrl);
    url.pathname = `/${database}`;
    try {
      await withFaultHost(
        postgresTaskHub({ connectionString: url.href, hubName: "faults", pool: { max: 4 } }),
        async (host) => {
          const before = await startBeforeFault(host, 300);
          await withClient(async (c) => {
            await c.query(`ALTER DATABASE ${database} SET default_transaction_read_only = on`);
            await terminate(c, database);
          });
          await untilRefusedFor(host, "read-only");
          await assertWritesRefused(host, before, {
            fault: "read-only",
            smallWrites: true,
            readsFail: false,
          });
          await workerMetFault(host);
          await withClient(async (c) => {
            await c.query(`ALTER DATABASE ${database} RESET default_transaction_read_only`);
            await terminate(c, database);
          });
          await assertServesAgain(host, before);
        },
      );
    } finally {
      await withClient((c) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
    }
  });

  it(
    "the server gone: 503 unreachable for writes and reads, Retry-After 5",
    { timeout: 120_000 },
    async () => {
      const cluster = await startThrowawayCluster();
      try {
        await withFaultHost(
          postgresTaskHub({ connectionString: cluster.url, hubName: "faults", pool: { max: 4 } }),
          async (host) => {
            const before = await startBeforeFault(host, 300);
            await cluster.stop();
            await assertWritesRefused(host, before, {
              fault: "unreachable",
              smallWrites: true,
              readsFail: true,
            });
            await workerMetFault(host);
            assert.ok(host.log.lines.some((l) => /^error .*failed: TaskHubUnavailableError/.test(l)));
            await cluster.start();
            await assertServesAgain(host, before);
          },
        );
      } finally {
        await cluster.destroy();
      }
    },
  );
});
