/**
 * Waiting costs O(1) per notice: a client holds one hub subscription however many `waitForCompletion` calls are in
 * progress, reads each instance once when its wait starts (waits that start together in one query per 500 instances),
 * and (where notices are complete) never polls per waiter.
 * Where notices are not complete (another process writes the SQLite file), one shared read covers all waiters.
 * The client under test runs on a counting view of a real hub; the worker runs on the hub itself.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import {
  DurableApp,
  DurableClient,
  TimeoutError,
  memoryTaskHub,
  sqliteTaskHub,
  type DurableHost,
  type TaskHub,
} from "../../src/index.js";
import { eventually, sleep } from "../support/test-host.js";

/** A view of `hub` counting the client's reads and subscriptions; `deaf` hides notices (another process commits). */
function counting(hub: TaskHub, options: { deaf?: boolean } = {}) {
  const calls = { getInstance: 0, listInstances: 0, subscribe: 0, subscribed: 0 };
  /** How many times each instance was read by a listInstances query. */
  const listed = new Map<string, number>();
  const view: TaskHub = Object.create(hub, {
    noticesComplete: { value: options.deaf ? false : hub.noticesComplete },
    getInstance: {
      value: (id: string) => {
        calls.getInstance++;
        return hub.getInstance(id);
      },
    },
    listInstances: {
      value: (query: Parameters<TaskHub["listInstances"]>[0]) => {
        calls.listInstances++;
        for (const id of query.instanceIds ?? []) listed.set(id, (listed.get(id) ?? 0) + 1);
        return hub.listInstances(query);
      },
    },
    subscribe: {
      value: (listener: Parameters<TaskHub["subscribe"]>[0]) => {
        calls.subscribe++;
        calls.subscribed++;
        const off = options.deaf ? () => undefined : hub.subscribe(listener);
        let once = false;
        return () => {
          if (once) return;
          once = true;
          calls.subscribed--;
          off();
        };
      },
    },
  });
  return { view, calls, listed };
}

function approvalApp() {
  const app = new DurableApp();
  const approval = app.orchestration("Approval", async (ctx) => ctx.waitForExternalEvent<string>("go"));
  return { app, approval };
}

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/** Runs `fn` on a host of `hub` with `count` instances `<prefix>-<i>` waiting for their "go" event. */
async function withApprovals(
  hub: TaskHub,
  prefix: string,
  count: number,
  fn: (host: DurableHost, ids: string[]) => Promise<void>,
): Promise<void> {
  const { app, approval } = approvalApp();
  const host = await app.start({ taskHub: hub, logger: quiet });
  try {
    const ids = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
    for (const id of ids) await host.client.startNew(approval, { instanceId: id });
    await eventually(async () => (await hub.getInstance(ids.at(-1)!))?.status === "Running");
    await fn(host, ids);
  } finally {
    await host.stop();
  }
}

describe("completion waiters", () => {
  const dir = mkdtempSync(join(tmpdir(), "taskhub-waiters-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("2,000 waits: one subscription, first reads in 4 queries, no polling, every wait ends with its own result", async () => {
    const hub = memoryTaskHub();
    await withApprovals(hub, "w", 2000, async (host, ids) => {
      const { view, calls } = counting(hub);
      const client = new DurableClient(view);
      const began = performance.now();
      const waits = ids.map((id) => client.waitForCompletion(id, { timeoutMs: 120_000 }));
      assert.equal(calls.subscribe, 1, "one subscription for all waiters");
      await eventually(async () => calls.listInstances === ids.length / 500);
      for (const id of ids) await host.client.raiseEvent(id, "go", `ok ${id}`);
      const statuses = await Promise.all(waits);
      statuses.forEach((s, i) => assert.deepEqual([s.instanceId, s.output], [ids[i], `ok ${ids[i]}`]));
      assert.equal(calls.getInstance, 0, "no read but the batched first reads");
      // Complete notices: only the safety read (every 10 s) may run, whatever the number of waiters.
      assert.ok(calls.listInstances <= ids.length / 500 + Math.ceil((performance.now() - began) / 10_000));
      assert.equal(calls.subscribed, 0, "the subscription ends with the last wait");
    });
  });

  it("without notices (another process writes the file), one shared read per round covers 600 waiters", async () => {
    const hub = sqliteTaskHub(join(dir, "deaf.db"));
    await withApprovals(hub, "d", 600, async (host, ids) => {
      const { view, calls } = counting(hub, { deaf: true });
      const client = new DurableClient(view);
      const waits = ids.map((id) => client.waitForCompletion(id, { timeoutMs: 120_000 }));
      // 2 queries of first reads (500 + 100), then shared rounds of 2 queries each.
      await eventually(async () => calls.listInstances >= 6);
      for (const id of ids) await host.client.raiseEvent(id, "go", id);
      const statuses = await Promise.all(waits);
      statuses.forEach((s, i) => assert.equal(s.output, ids[i]));
      assert.equal(calls.getInstance, 0, "no per-waiter reads: the shared read found every finish");
      assert.equal(calls.subscribed, 0);
    });
  });

  it("without notices, waits that keep arriving do not make the older ones be read again with them", async () => {
    const hub = sqliteTaskHub(join(dir, "arrivals.db"));
    await withApprovals(hub, "a", 130, async (host, ids) => {
      const { view, listed } = counting(hub, { deaf: true });
      const client = new DurableClient(view);
      const [older, newer] = [ids.slice(0, 100), ids.slice(100)];
      const waits = older.map((id) => client.waitForCompletion(id, { timeoutMs: 120_000 }));
      // Read again after 50, 100, 200, 400 and 800 ms: from then on once a second.
      await eventually(async () => older.every((id) => (listed.get(id) ?? 0) >= 6));
      const before = listed.get(older[0]!) ?? 0;
      const began = performance.now();
      for (const id of newer) {
        waits.push(client.waitForCompletion(id, { timeoutMs: 120_000 }));
        await sleep(80);
      }
      const seconds = (performance.now() - began) / 1000;
      // At least 2.4 s of arrivals, one every 80 ms: the older waits were read once a second meanwhile (on a grid of
      // whole seconds, so at least once in 2 s), where resetting everyone's pace at each arrival would read them
      // after each arrival.
      const reads = (listed.get(older[0]!) ?? 0) - before;
      assert.ok(
        reads >= 1 && reads <= Math.ceil(seconds) + 1,
        `older waits read ${reads} times in ${seconds} s`,
      );
      for (const id of ids) await host.client.raiseEvent(id, "go", id);
      (await Promise.all(waits)).forEach((s, i) => assert.equal(s.output, ids[i]));
    });
  });

  it("a wait that times out says so, and leaves no subscription behind", async () => {
    const hub = memoryTaskHub();
    await withApprovals(hub, "t", 1, async (host, [id]) => {
      const { view, calls } = counting(hub);
      const client = new DurableClient(view);
      await assert.rejects(client.waitForCompletion(id!, { timeoutMs: 50 }), (error: unknown) => {
        assert.ok(error instanceof TimeoutError);
        assert.match(String(error), /did not finish within 50 ms \(it is Running\)/);
        return true;
      });
      assert.equal(calls.subscribed, 0);
      assert.deepEqual(
        [calls.getInstance, calls.listInstances],
        [2, 0],
        "a lone wait reads its instance alone",
      );
      await assert.rejects(client.waitForCompletion("no-such-instance"), /No orchestration instance/);
      assert.equal(calls.subscribed, 0);
      await host.client.raiseEvent(id!, "go", "late");
      assert.equal((await client.waitForCompletion(id!)).output, "late");
    });
  });

  it("waits that start together on known, finished and unknown IDs: one query, each wait its own outcome", async () => {
    const hub = memoryTaskHub();
    await withApprovals(hub, "j", 2, async (host, [running, finished]) => {
      await host.client.raiseEvent(finished!, "go", "done");
      await host.client.waitForCompletion(finished!);
      const { view, calls } = counting(hub);
      const client = new DurableClient(view);
      const [unknown, done, waiting, again] = [
        client.waitForCompletion("no-such-instance"),
        client.waitForCompletion(finished!),
        client.waitForCompletion(running!, { timeoutMs: 120_000 }),
        client.waitForCompletion(running!, { timeoutMs: 120_000 }),
      ];
      await assert.rejects(unknown, /No orchestration instance/);
      assert.equal((await done).output, "done");
      assert.deepEqual(
        [calls.getInstance, calls.listInstances],
        [0, 1],
        "one query for the four first reads",
      );
      await host.client.raiseEvent(running!, "go", "now");
      assert.deepEqual([(await waiting).output, (await again).output], ["now", "now"]);
      assert.equal(calls.subscribed, 0);
    });
  });
});
