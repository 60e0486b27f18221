/**
 * Bad entity input gets a clear error at the call: unknown entity or operation names, invalid keys and names,
 * values that cannot be serialized, malformed definitions. Nothing is written for a rejected call.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  DurableApp,
  DurableClient,
  InvalidArgumentError,
  UnknownFunctionError,
  entityId,
  sqliteTaskHub,
} from "../../src/index.js";
import { entityApp } from "../support/entity-apps.js";
import { eventually, startHost } from "../support/test-host.js";

describe("entities: bad input", () => {
  it("rejects unknown entities and operations, invalid keys and unserializable input at the client", async () => {
    const { app, counter } = entityApp();
    const host = await startHost(app, async () => sqliteTaskHub(":memory:"));
    try {
      const { client } = host;
      await assert.rejects(client.signalEntity("NoSuchEntity", "k", "add"), UnknownFunctionError);
      await assert.rejects(
        client.signalEntity("NoSuchEntity", "k", "add"),
        /No entity named 'nosuchentity' is registered. Registered entities: ShoppingCart, Counter, Account, Notifier/,
      );
      await assert.rejects(
        client.signalEntity("counter", "k", "multiply", 2),
        /Entity 'Counter' has no operation 'multiply'. Its operations: add, reset, total, delete./,
      );
      const badKeys: [unknown, RegExp][] = [
        ["a/b", /forbidden character "\/"/],
        ["a?b", /forbidden character "\?"/],
        ["a#b", /forbidden character "#"/],
        ["a\\b", /forbidden character/],
        ["a\u0001b", /forbidden character/],
        ["x".repeat(300), /maximum is 256/],
        [42, /key must be a string, got number/],
        [null, /key must be a string, got null/],
      ];
      for (const [key, message] of badKeys) {
        await assert.rejects(client.signalEntity(counter, key as string, "add", { by: 1 }), message);
        await assert.rejects(client.readEntityState(counter, key as string), InvalidArgumentError);
      }
      for (const [name, message] of [
        ["bad@name", /forbidden character "@"/],
        ["", /definition \(app.entity\) or a non-empty name/],
        ["  ", /non-empty string/],
      ] as const)
        await assert.rejects(client.signalEntity(name, "k", "add"), message);
      await assert.rejects(
        client.signalEntity(counter, "k", "add", { by: 1n as unknown as number }),
        /BigInt/,
      );
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      await assert.rejects(client.signalEntity(counter, "k", "add", circular as never), /circular/i);
      await assert.rejects(
        client.signalEntity("counter", "k", "add", () => 1),
        /it is a function/,
      );
      await assert.rejects(
        client.signalEntity(counter, "k", "add", { by: 1 }, { signalTime: new Date("nope") }),
        /signalTime must be a valid Date/,
      );
      await assert.rejects(
        client.signalEntity(counter, "k", "" as "add", { by: 1 }),
        /non-empty operation name/,
      );
      await assert.rejects(
        client.listEntities({ pageSize: 0 }),
        /pageSize must be an integer from 1 to 1000/,
      );
      await assert.rejects(
        client.listEntities({ lastOperationTimeFrom: new Date(Number.NaN) }),
        /valid Date/,
      );
      assert.equal((await host.taskHub.listInstances({})).instances.length, 0, "nothing was created");
    } finally {
      await host.stop();
    }
  });

  it("fails the orchestration clearly for a bad entity call, and drops bad signals from clients without the app", async () => {
    const app = new DurableApp();
    const counter = app.entity("Counter", {
      initialState: () => 0,
      operations: { add: (n, by: number) => n + by },
    });
    const badKey = app.orchestration("BadKey", async (ctx) => ctx.callEntity(counter, "a/b", "add", 1));
    const badInput = app.orchestration("BadInput", async (ctx) =>
      ctx.callEntity(counter, "k", "add", 2n as unknown as number),
    );
    const host = await startHost(app, async () => sqliteTaskHub(":memory:"));
    try {
      const { client } = host;
      const key = await client.waitForCompletion(await client.startNew(badKey));
      assert.equal(key.failureDetails?.errorType, "InvalidArgumentError");
      assert.match(key.failureDetails?.message ?? "", /forbidden character/);
      const input = await client.waitForCompletion(await client.startNew(badInput));
      assert.match(
        input.failureDetails?.message ?? "",
        /Input of entity operation 'add' cannot be serialized.*BigInt/,
      );

      // A client that does not know the app cannot check names: the entity reports and drops the signal.
      const bare = new DurableClient(host.taskHub);
      await bare.signalEntity("Counter", "k", "nope");
      await bare.signalEntity("Ghost", "k", "add", 1);
      await bare.signalEntity("Counter", "k", "add", 1);
      await eventually(async () => (await client.readEntityState(counter, "k")).entityState === 1);
      await eventually(
        async () => (await host.taskHub.getInstance(entityId("Ghost", "k").toString())) === undefined,
      );
      assert.ok(
        host.log.lines.some((l) => l.includes("'nope' failed") && l.includes("has no operation 'nope'")),
      );
      assert.ok(host.log.lines.some((l) => l.includes("No entity named 'ghost' is registered")));
    } finally {
      await host.stop();
    }
  });

  it("rejects malformed entity definitions", () => {
    const app = new DurableApp();
    const spec = { initialState: () => 0, operations: { add: (n: number, by: number) => n + by } };
    assert.throws(() => app.entity("bad@name", spec), /forbidden|not allowed/);
    assert.throws(() => app.entity("", spec), /non-empty string/);
    app.entity("Counter", spec);
    assert.throws(() => app.entity("COUNTER", spec), /An entity named 'Counter' is already registered/);
    assert.throws(() => app.entity("NoOps", { initialState: () => 0, operations: {} }), /has no operations/);
    assert.throws(
      () => app.entity("NotFn", { initialState: () => 0, operations: { add: 1 as never } }),
      /operations 'add' of entity 'NotFn' is not a function/,
    );
    assert.throws(
      () =>
        app.entity("Clash", {
          initialState: () => 0,
          operations: { get: (n: number) => n },
          queries: { get: (n: number) => n },
        }),
      /both an operation and a query named 'get'/,
    );
    assert.throws(
      () => app.entity("NoInit", { operations: { add: (n: number) => n } } as never),
      /needs an initialState function/,
    );
    class Empty {
      value = 1;
    }
    assert.throws(() => app.entity("Empty", Empty), /has no methods/);
    assert.throws(() => entityId("Counter", "x".repeat(250)), /maximum is 256/);
  });
});
