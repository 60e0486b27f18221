/**
 * Waiting costs O(1) per notice: a client holds one hub subscription however many `waitForCompletion` calls are in
 * progress, reads each instance once when its wait starts, and (where notices are complete) never polls per waiter.
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
  type TaskHub,
} from "../../src/index.js";
import { eventually } from "../support/test-host.js";

/** A view of `hub` counting the client's reads and subscriptions; `deaf` hides notices (another process commits). */
function counting(hub: TaskHub, options: { deaf?: boolean } = {}) {
  const calls = { getInstance: 0, listInstances: 0, subscribe: 0, subscribed: 0 };
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
  return { view, calls };
}

function approvalApp() {
  const app = new DurableApp();
  const approval = app.orchestration("Approval", async (ctx) => ctx.waitForExternalEvent<string>("go"));
  return { app, approval };
}

describe("completion waiters", () => {
  const dir = mkdtempSync(join(tmpdir(), "taskhub-waiters-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("2,000 waits: one subscription, one read each, no polling, every wait ends with its own result", async () => {
    const { app, approval } = approvalApp();
    const hub = memoryTaskHub();
    const host = await app.start({ taskHub: hub, logger: { debug() {}, info() {}, warn() {}, error() {} } });
    try {
      const ids = Array.from({ length: 2000 }, (_, i) => `w-${i}`);
      for (const id of ids) await host.client.startNew(approval, { instanceId: id });
      await eventually(async () => (await hub.getInstance(ids.at(-1)!))?.status === "Running");
      const { view, calls } = counting(hub);
      const client = new DurableClient(view);
      const began = performance.now();
      const waits = ids.map((id) => client.waitForCompletion(id, { timeoutMs: 120_000 }));
      assert.equal(calls.subscribe, 1, "one subscription for all waiters");
      await eventually(async () => calls.getInstance === ids.length);
      for (const id of ids) await host.client.raiseEvent(id, "go", `ok ${id}`);
      const statuses = await Promise.all(waits);
      statuses.forEach((s, i) => assert.deepEqual([s.instanceId, s.output], [ids[i], `ok ${ids[i]}`]));
      assert.equal(calls.getInstance, ids.length, "no read but the first of each wait");
      // Complete notices: only the safety read (every 10 s) may run, whatever the number of waiters.
      assert.ok(calls.listInstances <= Math.ceil((performance.now() - began) / 10_000));
      assert.equal(calls.subscribed, 0, "the subscription ends with the last wait");
    } finally {
      await host.stop();
    }
  });

  it("without notices (another process writes the file), one shared read per round covers 600 waiters", async () => {
    const { app, approval } = approvalApp();
    const hub = sqliteTaskHub(join(dir, "deaf.db"));
    const host = await app.start({ taskHub: hub, logger: { debug() {}, info() {}, warn() {}, error() {} } });
    try {
      const ids = Array.from({ length: 600 }, (_, i) => `d-${i}`);
      for (const id of ids) await host.client.startNew(approval, { instanceId: id });
      await eventually(async () => (await hub.getInstance(ids.at(-1)!))?.status === "Running");
      const { view, calls } = counting(hub, { deaf: true });
      const client = new DurableClient(view);
      const waits = ids.map((id) => client.waitForCompletion(id, { timeoutMs: 120_000 }));
      await eventually(async () => calls.getInstance === ids.length && calls.listInstances >= 4);
      for (const id of ids) await host.client.raiseEvent(id, "go", id);
      const statuses = await Promise.all(waits);
      statuses.forEach((s, i) => assert.equal(s.output, ids[i]));
      assert.equal(calls.getInstance, ids.length, "no per-waiter reads: the shared read found every finish");
      assert.ok(calls.listInstances >= 4);
      assert.equal(calls.subscribed, 0);
    } finally {
      await host.stop();
    }
  });

  it("a wait that times out says so, and leaves no subscription behind", async () => {
    const { app, approval } = approvalApp();
    const hub = memoryTaskHub();
    const host = await app.start({ taskHub: hub, logger: { debug() {}, info() {}, warn() {}, error() {} } });
    try {
      const id = await host.client.startNew(approval);
      await eventually(async () => (await hub.getInstance(id))?.status === "Running");
      const { view, calls } = counting(hub);
      const client = new DurableClient(view);
      await assert.rejects(client.waitForCompletion(id, { timeoutMs: 50 }), (error: unknown) => {
        assert.ok(error instanceof TimeoutError);
        assert.match(String(error), /did not finish within 50 ms \(it is Running\)/);
        return true;
      });
      assert.equal(calls.subscribed, 0);
      await assert.rejects(client.waitForCompletion("no-such-instance"), /No orchestration instance/);
      assert.equal(calls.subscribed, 0);
      await host.client.raiseEvent(id, "go", "late");
      assert.equal((await client.waitForCompletion(id)).output, "late");
    } finally {
      await host.stop();
    }
  });
});
