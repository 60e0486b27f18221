/**
 * Bad input gets a clear error at the call, or a Failed instance saying what was wrong; nothing else in the hub is
 * harmed and the worker keeps running.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import Database from "better-sqlite3";
import {
  DurableApp,
  DurableClient,
  InstanceNotFoundError,
  InvalidArgumentError,
  UnknownFunctionError,
  sqliteTaskHub,
} from "../../src/index.js";
import { eventually, startHost } from "../support/test-host.js";

const dir = mkdtempSync(join(tmpdir(), "taskhub-bad-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function badApp() {
  const app = new DurableApp();
  const echo = app.activity("Echo", (value: unknown) => value);
  const bigint = app.activity("ReturnsBigInt", () => 10n);
  const healthy = app.orchestration("Healthy", async (ctx, n: number) => ctx.callActivity(echo, n));
  const callsUnknown = app.orchestration("CallsUnknown", async (ctx) =>
    ctx.callActivity("NoSuchActivity", 1),
  );
  const badOutput = app.orchestration("BadOutput", async () => ({ big: 1n }));
  const badActivityOutput = app.orchestration("BadActivityOutput", async (ctx) =>
    ctx.callActivity(bigint, undefined),
  );
  const waits = app.orchestration("Waits", async (ctx) => ctx.waitForExternalEvent<number>("Go"));
  return { app, healthy, callsUnknown, badOutput, badActivityOutput, waits };
}

describe("bad input", () => {
  it("rejects invalid instance IDs clearly at every call", async () => {
    const { app, healthy } = badApp();
    const host = await startHost(app, async () => sqliteTaskHub(":memory:"));
    try {
      const bad: [string, RegExp][] = [
        ["", /must not be empty/],
        ["x".repeat(257), /maximum is 256/],
        ["@counter@1", /must not start with '@'/],
        ["a/b", /forbidden character/],
        ["a\\b", /forbidden character/],
        ["a?b", /forbidden character/],
        ["a#b", /forbidden character/],
        ["a\u0001b", /forbidden character/],
        ["   ", /white space/],
      ];
      for (const [id, message] of bad) {
        await assert.rejects(host.client.startNew(healthy, { instanceId: id, input: 1 }), message);
        await assert.rejects(host.client.getStatus(id), InvalidArgumentError);
        await assert.rejects(host.client.raiseEvent(id, "Go"), InvalidArgumentError);
      }
      const page = await host.client.listInstances();
      assert.equal(page.instances.length, 0, "nothing was created");
    } finally {
      await host.stop();
    }
  });

  it("rejects unknown names, unserializable values and events for unknown instances", async () => {
    const { app, healthy, waits } = badApp();
    const host = await startHost(app, async () => sqliteTaskHub(":memory:"));
    try {
      await assert.rejects(host.client.startNew("NoSuchOrchestration"), UnknownFunctionError);
      await assert.rejects(host.client.startNew("NoSuchOrchestration"), /Registered orchestrators: Healthy/);
      await assert.rejects(host.client.startNew(healthy, { input: 1n as unknown as number }), /BigInt/);
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      await assert.rejects(host.client.startNew(healthy, { input: circular as never }), /circular/i);
      await assert.rejects(host.client.startNew(healthy, { input: (() => 1) as never }), /function/);
      await assert.rejects(host.client.raiseEvent("nobody", "Go", 1), InstanceNotFoundError);
      await assert.rejects(host.client.terminate("nobody"), InstanceNotFoundError);
      await assert.rejects(host.client.suspend("nobody"), InstanceNotFoundError);
      const id = await host.client.startNew(waits);
      await assert.rejects(host.client.raiseEvent(id, "Go", 5n), /BigInt/);
      await assert.rejects(host.client.raiseEvent(id, ""), /non-empty event name/);
      await host.client.raiseEvent(id, "Go", 5);
      assert.equal((await host.client.waitForCompletion(id)).output, 5, "the instance was not harmed");
    } finally {
      await host.stop();
    }
  });

  it("fails instances clearly for unknown functions and bad outputs, and keeps working", async () => {
    const { app, healthy, callsUnknown, badOutput, badActivityOutput } = badApp();
    const host = await startHost(app, async () => sqliteTaskHub(":memory:"));
    try {
      // A client that does not know the app can start any name; the worker fails the instance.
      const bareClient = new DurableClient(host.taskHub);
      const unknown = await bareClient.startNew("NoSuchOrchestration", { input: 1 });
      const unknownStatus = await host.client.waitForCompletion(unknown);
      assert.equal(unknownStatus.runtimeStatus, "Failed");
      assert.equal(unknownStatus.failureDetails?.errorType, "UnknownFunctionError");
      assert.match(
        unknownStatus.failureDetails?.message ?? "",
        /No orchestrator named 'NoSuchOrchestration'/,
      );

      const calls = await host.client.waitForCompletion(await host.client.startNew(callsUnknown));
      assert.equal(calls.runtimeStatus, "Failed");
      assert.match(calls.failureDetails?.message ?? "", /No activity named 'NoSuchActivity' is registered/);

      const out = await host.client.waitForCompletion(await host.client.startNew(badOutput));
      assert.equal(out.runtimeStatus, "Failed");
      assert.match(out.failureDetails?.message ?? "", /Orchestration output cannot be serialized.*BigInt/);

      const act = await host.client.waitForCompletion(await host.client.startNew(badActivityOutput));
      assert.equal(act.runtimeStatus, "Failed");
      assert.match(
        act.failureDetails?.message ?? "",
        /Output of activity 'ReturnsBigInt' cannot be serialized/,
      );

      const ok = await host.client.waitForCompletion(await host.client.startNew(healthy, { input: 7 }));
      assert.equal(ok.output, 7, "the worker keeps running");
    } finally {
      await host.stop();
    }
  });

  it("fails only the instance whose stored payload is corrupted", async () => {
    const file = join(dir, "corrupt.db");
    const { app, waits } = badApp();
    const host = await startHost(app, async () => sqliteTaskHub(file));
    const raw = new Database(file);
    try {
      const victim = await host.client.startNew(waits, { instanceId: "victim" });
      const bystander = await host.client.startNew(waits, { instanceId: "bystander" });
      const inboxVictim = await host.client.startNew(waits, { instanceId: "inbox-victim" });
      for (const id of [victim, bystander, inboxVictim])
        await eventually(async () => (await host.client.getStatus(id))?.runtimeStatus === "Running");

      raw.prepare("UPDATE history SET event = '{not json' WHERE instance_id = ? AND seq = 1").run(victim);
      await host.worker.stop();
      const host2 = await startHost(app, async () => sqliteTaskHub(file));
      try {
        await host2.client.raiseEvent(victim, "Go", 1);
        const failed = await host2.client.waitForCompletion(victim);
        assert.equal(failed.runtimeStatus, "Failed");
        assert.match(failed.failureDetails?.message ?? "", /victim.*(corrupt|not valid JSON)/s);

        // A message due shortly, whose stored payload gets damaged before it is read.
        await host2.taskHub.appendInboxMessage({
          instanceId: inboxVictim,
          event: { type: "EventRaised", timestamp: new Date().toISOString(), name: "Go", input: "3" },
          visibleAt: Date.now() + 300,
        });
        raw.prepare("UPDATE inbox SET event = 'garbage{' WHERE instance_id = ?").run(inboxVictim);
        const failedInbox = await host2.client.waitForCompletion(inboxVictim);
        assert.equal(failedInbox.runtimeStatus, "Failed");
        assert.match(
          failedInbox.failureDetails?.message ?? "",
          /Inbox message #\d+ of instance 'inbox-victim' is corrupted/,
        );

        await host2.client.raiseEvent(bystander, "Go", 2);
        assert.equal((await host2.client.waitForCompletion(bystander)).output, 2, "other instances unharmed");
      } finally {
        await host2.stop();
      }
    } finally {
      raw.close();
      await host.stop();
    }
  });
});
