/**
 * Bounded histories and payloads, end to end on real hubs: a runaway loop fails with `OrchestrationLimitError`
 * (warning once at 80%), `continueAsNew` resets the count, and payloads over `maxPayloadBytes` are refused where they
 * are serialized: at the client, as an activity's output, as an entity's state, as an orchestration's output.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import {
  DurableApp,
  PayloadTooLargeError,
  RetryPolicy,
  isTaskFailedError,
  memoryTaskHub,
  sqliteTaskHub,
} from "../../src/index.js";
import { eventually, startHost, type HubFactory } from "../support/test-host.js";

const dir = mkdtempSync(join(tmpdir(), "taskhub-limits-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

const hubs: [string, HubFactory][] = [
  ["SQLite file", async () => sqliteTaskHub(join(dir, `hub-${++files}.db`))],
  ["memory", async () => memoryTaskHub()],
];

function runawayApp() {
  const app = new DurableApp();
  const step = app.activity("Step", (n: number) => n + 1);
  const timers = app.orchestration("TimerLoop", async (ctx) => {
    for (;;) await ctx.createTimer(ctx.currentUtcDateTime); // due at once: the loop spins as fast as the hub
  });
  const activities = app.orchestration("ActivityLoop", async (ctx) => {
    for (let n = 0; ;) n = await ctx.callActivity(step, n);
  });
  const eternal = app.orchestration("Eternal", async (ctx, round: number) => {
    for (let i = 0; i < 4; i++) await ctx.callActivity(step, i);
    if (round >= 5) return round;
    ctx.continueAsNew(round + 1);
  });
  return { app, timers, activities, eternal };
}

/** The failure of a task, small enough to be an output under the test's payload limit (no stack). */
function failureSummary(error: unknown) {
  if (!isTaskFailedError(error)) return "not a task failure";
  const { errorType, message, nonRetryable } = error.failure;
  return { errorType, message, nonRetryable };
}

const limitWarnings = (lines: readonly string[]): string[] => lines.filter((l) => /80% of its limit/.test(l));

for (const [hubName, makeHub] of hubs) {
  describe(`a runaway orchestration on the ${hubName} hub`, () => {
    for (const cache of [true, false]) {
      it(`fails at maxOrchestrationActions with the error, warning once (session cache ${cache ? "on" : "off"})`, async () => {
        const { app, timers, activities } = runawayApp();
        const host = await startHost(app, makeHub, {
          maxOrchestrationActions: 40,
          ...(cache ? {} : { maxCachedOrchestrations: 0 }),
        });
        try {
          for (const [id, def] of [
            ["timers", timers],
            ["activities", activities],
          ] as const) {
            await host.client.startNew(def, { instanceId: id });
            const status = await host.client.waitForCompletion(id, { timeoutMs: 30_000 });
            assert.equal(status.runtimeStatus, "Failed");
            assert.equal(status.failureDetails?.errorType, "OrchestrationLimitError");
            assert.match(status.failureDetails?.message ?? "", /limit of 40 actions in one execution/);
            assert.match(status.failureDetails?.message ?? "", /maxOrchestrationActions.*continueAsNew/);
            const history = (await host.client.getStatus(id, { showHistory: true }))?.history ?? [];
            const scheduled = history.filter((e) => e.type === "TimerCreated" || e.type === "TaskScheduled");
            assert.equal(scheduled.length, 40, "the history stops at the limit");
            const lines = limitWarnings(host.log.lines).filter((l) => l.includes(`'${def.name}'`));
            assert.equal(lines.length, 1, lines.join("\n"));
            assert.match(lines[0]!, /has 32 actions in this execution.*continueAsNew/);
          }
        } finally {
          await host.stop();
        }
      });
    }

    it("continueAsNew starts counting again: an eternal orchestration runs past the limit in total", async () => {
      const { app, eternal } = runawayApp();
      const host = await startHost(app, makeHub, { maxOrchestrationActions: 5 });
      try {
        await host.client.startNew(eternal, { instanceId: "eternal", input: 0 });
        const status = await host.client.waitForCompletion("eternal", { timeoutMs: 30_000 });
        assert.equal(status.runtimeStatus, "Completed", JSON.stringify(status.failureDetails));
        assert.equal(status.output, 5); // 6 executions of 4 actions: 24 in all
        assert.equal(limitWarnings(host.log.lines).length, 6, "4 of 5 is 80%: once in each execution");
      } finally {
        await host.stop();
      }
    });

    it("fails an execution at maxHistoryEvents: a stream of events with no actions", async () => {
      const app = new DurableApp();
      const listen = app.orchestration("Listen", async (ctx) => {
        for (let n = 1; ; n++) {
          await ctx.waitForExternalEvent("tick");
          ctx.setCustomStatus(n);
        }
      });
      const host = await startHost(app, makeHub, { maxHistoryEvents: 30 });
      try {
        await host.client.startNew(listen, { instanceId: "listen" });
        // One event per episode: the start's episode makes 3 events, each later one 3 (start, event, end), so the
        // 10th event's episode is the one that goes over 30.
        for (let n = 1; n < 10; n++) {
          await host.client.raiseEvent("listen", "tick", n);
          await eventually(async () => (await host.client.getStatus("listen"))?.customStatus === n);
        }
        assert.equal((await host.client.getStatus("listen"))?.runtimeStatus, "Running");
        await host.client.raiseEvent("listen", "tick", 10);
        const status = await host.client.waitForCompletion("listen", { timeoutMs: 30_000 });
        assert.equal(status.failureDetails?.errorType, "OrchestrationLimitError");
        assert.match(
          status.failureDetails?.message ?? "",
          /limit of 30 history events in one execution \(maxHistoryEvents\)/,
        );
        assert.equal(status.customStatus, 9, "the 10th event was not applied");
        assert.equal(limitWarnings(host.log.lines).length, 1);
      } finally {
        await host.stop();
      }
    });
  });

  describe(`payloads over maxPayloadBytes on the ${hubName} hub`, () => {
    const limit = 1000;
    const big = "x".repeat(2000);

    function payloadApp() {
      const app = new DurableApp();
      let runs = 0;
      const huge = app.activity("Huge", () => {
        runs++;
        return big;
      });
      const callsHuge = app.orchestration("CallsHuge", async (ctx) => {
        try {
          await ctx.callActivity(huge, undefined, {
            retry: new RetryPolicy({ firstRetryIntervalMs: 10, maxNumberOfAttempts: 3 }),
          });
          return "no error";
        } catch (error) {
          return failureSummary(error);
        }
      });
      const bigBeat = app.activity("BigBeat", (_input: undefined, ctx) => {
        ctx.heartbeat(big);
        return "no error";
      });
      const beats = app.orchestration("Beats", async (ctx) =>
        ctx.callActivity(bigBeat, undefined).catch((error: unknown) => failureSummary(error)),
      );
      const bigOutput = app.orchestration("BigOutput", async () => big);
      const waits = app.orchestration("Waits", async (ctx) => ctx.waitForExternalEvent("go"));
      const notes = app.entity("Notes", {
        initialState: (): string => "",
        operations: { append: (state, text: string) => state + text },
      });
      const fills = app.orchestration("FillsNotes", async (ctx) => {
        await ctx.callEntity(notes, "k", "append", "a".repeat(600));
        try {
          await ctx.callEntity(notes, "k", "append", "b".repeat(600));
          return "no error";
        } catch (error) {
          return failureSummary(error);
        }
      });
      return { app, callsHuge, beats, bigOutput, waits, notes, fills, runs: () => runs };
    }

    it("the client refuses an input, event data or entity input over the limit, and writes nothing", async () => {
      const { app, waits, notes } = payloadApp();
      const host = await startHost(app, makeHub, { maxPayloadBytes: limit });
      try {
        await assert.rejects(host.client.startNew(waits, { instanceId: "too-big", input: big }), {
          name: "PayloadTooLargeError",
          message:
            /^Input of orchestration 'Waits' is 2,002 bytes of JSON, more than the payload limit of 1,000 bytes \(maxPayloadBytes\)/,
        });
        assert.equal(await host.client.getStatus("too-big"), undefined);
        await host.client.startNew(waits, { instanceId: "waits", input: "x".repeat(900) });
        await assert.rejects(host.client.raiseEvent("waits", "go", big), PayloadTooLargeError);
        await assert.rejects(host.client.terminate("waits", big), /Termination reason is 2,002 bytes/);
        await assert.rejects(host.client.signalEntity(notes, "k", "append", big), {
          name: "PayloadTooLargeError",
          message: /^Input of entity operation 'append'/,
        });
        assert.equal((await host.client.readEntityState(notes, "k")).entityExists, false);
        await host.client.raiseEvent("waits", "go", "fits");
        assert.equal((await host.client.waitForCompletion("waits")).output, "fits");
      } finally {
        await host.stop();
      }
    });

    it("an activity output over the limit fails the attempt for good (no retry), as a task failure", async () => {
      const { app, callsHuge, runs } = payloadApp();
      const host = await startHost(app, makeHub, { maxPayloadBytes: limit });
      try {
        await host.client.startNew(callsHuge, { instanceId: "huge" });
        const status = await host.client.waitForCompletion("huge", { timeoutMs: 30_000 });
        const failure = status.output as { errorType: string; message: string; nonRetryable: boolean };
        assert.equal(failure.errorType, "PayloadTooLargeError");
        assert.match(failure.message, /^Output of activity 'Huge' is 2,002 bytes of JSON/);
        assert.equal(failure.nonRetryable, true);
        assert.equal(runs(), 1, "not retried");
        const history = (await host.client.getStatus("huge", { showHistory: true }))?.history ?? [];
        assert.ok(!JSON.stringify(history).includes(big), "the output was never written");
      } finally {
        await host.stop();
      }
    });

    it("heartbeat details over the limit throw in the activity, failing the attempt", async () => {
      const { app, beats } = payloadApp();
      const host = await startHost(app, makeHub, { maxPayloadBytes: limit });
      try {
        await host.client.startNew(beats, { instanceId: "beats" });
        const status = await host.client.waitForCompletion("beats", { timeoutMs: 30_000 });
        const failure = status.output as { errorType: string; message: string };
        assert.equal(failure.errorType, "PayloadTooLargeError");
        assert.match(failure.message, /^Heartbeat details of activity 'BigBeat' is 2,002 bytes/);
      } finally {
        await host.stop();
      }
    });

    it("an entity state over the limit fails the operation, which is rolled back", async () => {
      const { app, notes, fills } = payloadApp();
      const host = await startHost(app, makeHub, { maxPayloadBytes: limit });
      try {
        await host.client.startNew(fills, { instanceId: "fills" });
        const status = await host.client.waitForCompletion("fills", { timeoutMs: 30_000 });
        const failure = status.output as { errorType: string; message: string };
        assert.equal(failure.errorType, "PayloadTooLargeError");
        assert.match(
          failure.message,
          /^The state of entity '@notes@k' after operation 'append' is 1,202 bytes/,
        );
        assert.deepEqual(await host.client.readEntityState(notes, "k"), {
          entityExists: true,
          entityState: "a".repeat(600),
        });
      } finally {
        await host.stop();
      }
    });

    it("an orchestration output over the limit fails the instance, and the output is not written", async () => {
      const { app, bigOutput } = payloadApp();
      const host = await startHost(app, makeHub, { maxPayloadBytes: limit });
      try {
        await host.client.startNew(bigOutput, { instanceId: "big-output" });
        const status = await host.client.waitForCompletion("big-output", { timeoutMs: 30_000 });
        assert.equal(status.runtimeStatus, "Failed");
        assert.equal(status.failureDetails?.errorType, "PayloadTooLargeError");
        assert.match(status.failureDetails?.message ?? "", /^Orchestration output is 2,002 bytes/);
        assert.equal(status.output, undefined);
      } finally {
        await host.stop();
      }
    });
  });
}
