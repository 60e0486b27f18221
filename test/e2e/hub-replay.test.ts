/**
 * The replay check over a hub (`replayHubInstances`, what `taskhub replay-check` runs) across pages and batches: the
 * same results in the same order whatever the page size and batch bound, `--limit` across pages, and no more
 * histories read at once than a batch holds.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { replayHubInstances } from "../../src/host/hub-replay.js";
import { sqliteTaskHub } from "../../src/index.js";
import { replayOptions, type ReplayResult } from "../../src/orchestration/replay-check.js";
import type { SqlTaskHub } from "../../src/sql/sql-task-hub.js";
import { removeTempDirs, tempDir } from "../support/cli-process.js";
import { importApp, SEEDED, seedHub, writeApps } from "../support/replay-apps.js";

const dir = tempDir("taskhub-hub-replay-");
const path = join(dir, "hub.db");
const apps = writeApps(dir);
let hub: SqlTaskHub;

before(async () => {
  await seedHub(await importApp(apps.v1), sqliteTaskHub(path));
  hub = sqliteTaskHub(path, { readOnly: true });
});
after(async () => {
  await hub.close();
  removeTempDirs();
});

const line = (r: ReplayResult) => `${r.instanceId} ${r.kind}${r.kind === "skipped" ? ` ${r.reason}` : ""}`;

describe("replayHubInstances", () => {
  it("gives the same results in listing order for any page size and batch bound", async () => {
    const options = replayOptions((await importApp(apps.v2)).registry);
    const run = async (pageSize?: number, batchEvents?: number) => {
      const results: ReplayResult[] = [];
      const report = await replayHubInstances(
        hub,
        options,
        {},
        {
          pageSize,
          batchEvents,
          onResult: (r) => results.push(r),
        },
      );
      return { lines: results.map(line), report };
    };
    const whole = await run();
    assert.deepEqual(whole.lines, [
      ...SEEDED.waitingOrders.map((id) => `${id} diverged`),
      `${SEEDED.greeter} replayed`,
      `${SEEDED.legacy} skipped unknown-orchestrator`,
      `${SEEDED.entity} skipped entity`,
    ]);
    assert.deepEqual(
      whole.report.diverged.map((d) => d.instanceId),
      SEEDED.waitingOrders,
    );
    assert.deepEqual(
      whole.report.skipped.map((s) => s.instanceId),
      [SEEDED.legacy],
      "entities are only counted",
    );
    for (const [pageSize, batchEvents] of [
      [1, 1],
      [2, 10],
      [3, 1_000],
    ] as const) {
      const paged = await run(pageSize, batchEvents);
      assert.deepEqual(paged.lines, whole.lines, `pages of ${pageSize}, batches of ${batchEvents} events`);
      assert.deepEqual(paged.report, whole.report);
    }
  });

  it("reads no more histories at once than a batch holds, and stops at the limit across pages", async () => {
    const options = replayOptions((await importApp(apps.v1)).registry);
    let reading = 0;
    let most = 0;
    const getHistory = hub.getHistory.bind(hub);
    const counted = Object.assign(Object.create(hub) as SqlTaskHub, {
      getHistory: async (id: string) => {
        most = Math.max(most, ++reading);
        await new Promise((resolve) => setImmediate(resolve));
        try {
          return await getHistory(id);
        } finally {
          reading--;
        }
      },
    });
    const one = await replayHubInstances(counted, options, {}, { batchEvents: 1 });
    assert.equal(one.summary.replayed, 6);
    assert.equal(most, 1, "one history at a time");
    most = 0;
    await replayHubInstances(counted, options, {});
    assert.equal(most, 6, "a page's histories together");

    const limited: string[] = [];
    const report = await replayHubInstances(
      counted,
      options,
      { limit: 3 },
      {
        pageSize: 2,
        onResult: (r) => limited.push(r.instanceId),
      },
    );
    assert.deepEqual(limited, SEEDED.waitingOrders.slice(0, 3));
    assert.equal(report.summary.replayed, 3);
  });
});
