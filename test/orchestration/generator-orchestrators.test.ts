/**
 * Generator orchestrators (`function*`, `yield task`) run their body on a real SQLite hub: results come back at the
 * `yield`, failures are thrown there (try/catch works), whenAll/whenAny work, and replay without the session cache
 * gives the same result. Registration refuses what is not an orchestrator function.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import {
  DurableApp,
  InvalidArgumentError,
  TaskFailedError,
  resultOf,
  sqliteTaskHub,
  type DurableTask,
} from "../../src/index.js";
import { startHost } from "../support/test-host.js";

const dir = mkdtempSync(join(tmpdir(), "taskhub-gen-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let hubs = 0;
const makeHub = () => Promise.resolve(sqliteTaskHub(join(dir, `hub-${++hubs}.db`)));

function generatorApp() {
  const app = new DurableApp();
  const double = app.activity("Double", (n: number) => n * 2);
  const fails = app.activity("Fails", (message: string) => {
    throw new Error(message);
  });
  const chain = app.orchestration("Chain", function* (ctx, input: number) {
    const a: number = yield ctx.callActivity(double, input);
    const b = yield* resultOf(ctx.callActivity(double, a)); // typed: number
    return { a, b, replayed: ctx.instanceId.length > 0 };
  });
  const caught = app.orchestration("Caught", function* (ctx) {
    try {
      yield ctx.callActivity(fails, "boom");
      return "not reached";
    } catch (error) {
      return error instanceof TaskFailedError ? `caught: ${error.failure.message}` : "wrong error";
    }
  });
  const uncaught = app.orchestration("Uncaught", function* (ctx) {
    yield ctx.callActivity(fails, "no catch");
  });
  const fanOut = app.orchestration("FanOut", function* (ctx, n: number) {
    const tasks: DurableTask<number>[] = [];
    for (let i = 1; i <= n; i++) tasks.push(ctx.callActivity(double, i));
    const results: number[] = yield ctx.whenAll(tasks);
    return results.reduce((sum, x) => sum + x, 0);
  });
  const race = app.orchestration("Race", function* (ctx) {
    const approval = ctx.waitForExternalEvent<string>("Approval");
    const timer = ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + 3_600_000));
    const winner: unknown = yield ctx.whenAny([approval, timer]);
    if (winner === approval) {
      timer.cancel();
      return `approved by ${String(approval.result)}`;
    }
    return "timed out";
  });
  const child = app.orchestration("Child", function* (ctx, n: number) {
    return (yield ctx.callActivity(double, n)) as number;
  });
  const parent = app.orchestration("Parent", async (ctx, n: number) => {
    const fromChild = await ctx.callSubOrchestrator(child, n);
    return fromChild + 1;
  });
  const badYield = app.orchestration("BadYield", function* (ctx) {
    yield [ctx.callActivity(double, 1)];
  });
  const plain = app.orchestration("Plain", (_ctx, n: number) => n + 1);
  return { app, chain, caught, uncaught, fanOut, race, parent, badYield, plain };
}

for (const cache of [true, false]) {
  describe(`generator orchestrators (session cache ${cache ? "on" : "off"})`, () => {
    it("runs the body: yield gives results, failures throw at the yield, whenAll and whenAny", async () => {
      const fns = generatorApp();
      const host = await startHost(fns.app, makeHub, cache ? {} : { maxCachedOrchestrations: 0 });
      try {
        const c = host.client;
        const wait = (id: string) => c.waitForCompletion(id, { timeoutMs: 20_000 });

        const chain = await wait(await c.startNew(fns.chain, { input: 5 }));
        assert.equal(chain.runtimeStatus, "Completed");
        assert.deepEqual(chain.output, { a: 10, b: 20, replayed: true });

        const caught = await wait(await c.startNew(fns.caught));
        assert.equal(caught.output, "caught: boom");

        const uncaught = await wait(await c.startNew(fns.uncaught));
        assert.equal(uncaught.runtimeStatus, "Failed");
        assert.match(uncaught.failureDetails?.message ?? "", /no catch/);

        const fan = await wait(await c.startNew(fns.fanOut, { input: 10 }));
        assert.equal(fan.output, 110);

        const raceId = await c.startNew(fns.race);
        await c.raiseEvent(raceId, "Approval", "Ada");
        const race = await wait(raceId);
        assert.equal(race.output, "approved by Ada");

        const parent = await wait(await c.startNew(fns.parent, { input: 4 }));
        assert.equal(parent.output, 9);

        const bad = await wait(await c.startNew(fns.badYield));
        assert.equal(bad.runtimeStatus, "Failed");
        assert.match(bad.failureDetails?.message ?? "", /yielded an array, which is not a task/);

        const plain = await wait(await c.startNew(fns.plain, { input: 1 }));
        assert.equal(plain.output, 2);
      } finally {
        await host.stop();
      }
    });
  });
}

describe("orchestrator registration", () => {
  it("refuses what is neither an async, a generator nor a plain function", () => {
    const app = new DurableApp();
    assert.throws(
      () => app.orchestration("NotFn", 42 as never),
      (e: unknown) => e instanceof InvalidArgumentError && /must be a function/.test(e.message),
    );
    assert.throws(
      () =>
        app.orchestration("AsyncGen", async function* () {
          yield 1;
        } as never),
      (e: unknown) => e instanceof InvalidArgumentError && /async generator function/.test(e.message),
    );
    assert.throws(
      () => app.orchestration("Klass", class {} as never),
      (e: unknown) => e instanceof InvalidArgumentError && /not a class/.test(e.message),
    );
  });
});
