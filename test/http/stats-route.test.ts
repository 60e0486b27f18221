/**
 * `GET /runtime/webhooks/durabletask/stats` over real HTTP: the analytics report of a hub that real orchestrations
 * wrote, behind the management API's key; a wrong parameter is a 400 naming it, never a 500.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DurableApp, NonRetryableError } from "../../src/index.js";
import { KEYS_ON, MGMT, startTestHost, type TestHost } from "./http-test-host.js";

describe("management API: stats", () => {
  let host: TestHost;
  const key = "the-system-key";
  before(async () => {
    const app = new DurableApp();
    app.activity("Pack", async (n: number) => {
      if (n === 2) throw new NonRetryableError("no box");
      return n;
    });
    app.orchestration("Ship", async (ctx, n: number) => ctx.callActivity("Pack", n));
    host = await startTestHost(app, { flags: KEYS_ON, env: { TASKHUB_SYSTEM_KEY: key } });
    for (let n = 0; n < 4; n++) {
      const id = await host.client.startNew("Ship", { input: n });
      await host.client.waitForCompletion(id, { timeoutMs: 30_000 });
    }
  });
  after(() => host.close());

  const get = (query: string, withKey = true) =>
    host.fetch(`${MGMT}/stats${query}`, withKey ? { headers: { "x-functions-key": key } } : {});

  it("reports the last day by default, and one name on request", async () => {
    const response = await get("");
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
    const report = (await response.json()) as {
      format: string;
      since: string;
      until: string;
      buckets: { sizeMs: number; starts: string[] };
      orchestrations: { name: string; byStatus: Record<string, number>; failureRate: number }[];
      activities: { name: string; byStatus: Record<string, number>; topFailureTypes: unknown[] }[];
    };
    assert.equal(report.format, "taskhub-stats/1");
    assert.equal(Date.parse(report.until) - Date.parse(report.since), 24 * 3_600_000);
    assert.equal(report.buckets.starts.length, 24);
    assert.deepEqual(
      report.orchestrations.map((o) => [o.name, o.byStatus, o.failureRate]),
      [["Ship", { Completed: 3, Failed: 1 }, 0.25]],
    );
    assert.deepEqual(report.activities[0]?.byStatus, { Completed: 3, Failed: 1 });
    assert.deepEqual(report.activities[0]?.topFailureTypes, [{ errorType: "NonRetryableError", count: 1 }]);
    const one = (await (await get("?name=Pack&since=30m&top=1&bucket=1m")).json()) as typeof report;
    assert.deepEqual(one.orchestrations, []);
    assert.deepEqual(
      one.activities.map((a) => a.name),
      ["Pack"],
    );
    assert.equal(one.buckets.sizeMs, 60_000);
    assert.equal(one.buckets.starts.length, 30);
    const iso = (await get(`?since=${encodeURIComponent("2020-01-01T00:00:00Z")}&until=2020-01-02`)).status;
    assert.equal(iso, 200);
  });

  it("needs the management API's key", async () => {
    const response = await get("", false);
    assert.equal(response.status, 401);
    assert.equal(((await response.json()) as { error: string }).error, "unauthorized");
  });

  it("answers a wrong parameter with a 400 naming it", async () => {
    const cases: [string, string, RegExp][] = [
      ["?since=yesterday", "since", /^Query parameter 'since' needs a time ago such as 30m/],
      ["?until=2026-02-30T25:00", "until", /^Query parameter 'until' needs a time ago/],
      ["?top=0", "top", /needs a whole number from 1 to 100/],
      ["?top=abc", "top", /needs a whole number from 1 to 100/],
      ["?bucket=0s", "bucket", /needs a length of time of 1s or more/],
      ["?name=%20", "name", /needs an orchestration or activity name/],
      ["?since=1h&until=2h", "since", /must be before Query parameter 'until'/],
      ["?since=365d&bucket=1m", "bucket", /more than 1000/],
    ];
    for (const [query, parameter, message] of cases) {
      const response = await get(query);
      assert.equal(response.status, 400, query);
      const body = (await response.json()) as { error: string; parameter: string; message: string };
      assert.equal(body.error, "invalid_parameter", query);
      assert.equal(body.parameter, parameter, query);
      assert.match(body.message, message, query);
    }
    const post = await host.fetch(`${MGMT}/stats`, { method: "POST", headers: { "x-functions-key": key } });
    assert.equal(post.status, 405);
    assert.equal(
      (await host.fetch(`${MGMT}/stats/more`, { headers: { "x-functions-key": key } })).status,
      404,
    );
  });
});
