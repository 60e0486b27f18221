/**
 * End-to-end entity scenarios, run against any task hub (see `test/entities/*.test.ts`, and the PostgreSQL run).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { entityCreation } from "../../src/orchestration/entity-messages.js";
import { Worker, entityId, type DurableClient, type WorkerOptions } from "../../src/index.js";
import { entityApp } from "./entity-apps.js";
import { itKeepsTheEntityHubContract } from "./entity-hub-contract.js";
import { eventually, sleep, startHost, type HubFactory } from "./test-host.js";
import { statsOf } from "../../src/task-hub/health.js";
import { hasLocalDispatch } from "../../src/task-hub/local-dispatch.js";

async function completed(client: DurableClient, id: string, timeoutMs = 30_000): Promise<unknown> {
  const status = await client.waitForCompletion(id, { timeoutMs });
  assert.equal(status.runtimeStatus, "Completed", JSON.stringify(status.failureDetails));
  return status.output;
}

/** Registers the entity scenarios for one hub factory. */
export function describeEntities(
  label: string,
  makeHub: HubFactory,
  workerOptions: WorkerOptions = {},
): void {
  describe(`entities (${label})`, () => {
    itKeepsTheEntityHubContract(makeHub);

    it("shopping cart: client signals, read state, orchestrator call and signal, delete", async () => {
      const { app, cart, callsEntity } = entityApp();
      const flow = app.orchestration("CartFlow", async (ctx) => {
        const items = await ctx.callEntity(cart, "user-123", "get");
        ctx.signalEntity(cart, "user-123", "remove", "book");
        const count = await ctx.callEntity(cart, "user-123", "count");
        return { items, count };
      });
      const host = await startHost(app, makeHub, workerOptions);
      try {
        const { client } = host;
        assert.deepEqual(await client.readEntityState(cart, "user-123"), {
          entityExists: false,
          entityState: undefined,
        });
        await client.signalEntity(cart, "user-123", "add", "book");
        await client.signalEntity(cart, "user-123", "add", "pen");
        const output = await completed(client, await client.startNew(flow));
        assert.deepEqual(output, { items: ["book", "pen"], count: 1 });
        const { entityExists, entityState } = await client.readEntityState(cart, "user-123");
        assert.equal(entityExists, true);
        assert.deepEqual(entityState, ["pen"]);
        // Names are case-insensitive; the ID is lower-cased.
        assert.deepEqual((await client.readEntityState("SHOPPINGCART", "user-123")).entityState, ["pen"]);
        const byName = await completed(
          client,
          await client.startNew(callsEntity, {
            input: { entity: "shoppingCart", key: "user-123", op: "GET" },
          }),
        );
        assert.deepEqual(byName, ["pen"]);
        await client.signalEntity(cart, "user-123", "delete");
        await eventually(async () => !(await client.readEntityState(cart, "user-123")).entityExists);
        // Deleting an empty entity's row is a fast path (`deleteIfIdle`); a plain hub keeps the empty row, which
        // lists as nothing.
        if (hasLocalDispatch(host.taskHub))
          await eventually(
            async () => (await host.taskHub.getInstance("@shoppingcart@user-123")) === undefined,
          );
        else assert.ok(await host.taskHub.getInstance("@shoppingcart@user-123"), "plain hub: the row stays");
        assert.equal((await client.listEntities({ name: cart })).entities.length, 0);
      } finally {
        await host.stop();
      }
    });

    it("counter: 20 concurrent orchestrations and 1,000 client signals give the exact total, in order per sender", async () => {
      const { app, counter, hammer } = entityApp();
      const host = await startHost(app, makeHub, workerOptions);
      try {
        const { client } = host;
        const ids = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            client.startNew(hammer, { input: { sender: `o${i}`, calls: 10 }, instanceId: `hammer-${i}` }),
          ),
        );
        const signals = Array.from({ length: 10 }, (_, s) =>
          (async () => {
            for (let i = 0; i < 100; i++)
              await client.signalEntity(counter, "c", "add", { by: 1, sender: `client${s}`, seq: i });
          })(),
        );
        await Promise.all(signals);
        for (const id of ids) await completed(client, id, 60_000);
        const expected = 20 * 10 * 2 + 1000;
        const state = await eventually(async () => {
          const read = await client.readEntityState(counter, "c");
          return read.entityState?.total === expected ? read.entityState : undefined;
        }, 30_000);
        assert.equal(state.outOfOrder, 0, "messages from one sender arrive in order");
        assert.equal(Object.keys(state.last).length, 20 * 2 + 10);
        await sleep(100);
        assert.equal(
          (await client.readEntityState(counter, "c")).entityState?.total,
          expected,
          "nothing more",
        );
      } finally {
        await host.stop();
      }
    });

    it("transfers inside critical sections keep the sum of balances, audited while they run", async () => {
      const { app, account, transfer, audit } = entityApp();
      const host = await startHost(app, makeHub, workerOptions);
      try {
        const { client } = host;
        const keys = ["a", "b", "c", "d"];
        for (const key of keys) await client.signalEntity(account, key, "deposit", 100);
        await eventually(async () => {
          const states = await Promise.all(keys.map((k) => client.readEntityState(account, k)));
          return states.every((s) => s.entityState?.balance === 100);
        });
        const transfers = Array.from({ length: 30 }, (_, i) =>
          client.startNew(transfer, {
            input: { from: keys[i % 4]!, to: keys[(i * 3 + 1) % 4]!, amount: 10 + (i % 7) * 20 },
          }),
        );
        const audits = Array.from({ length: 6 }, () => client.startNew(audit, { input: keys }));
        const transferIds = await Promise.all(transfers);
        for (const id of await Promise.all(audits)) assert.equal(await completed(client, id, 60_000), 400);
        const outcomes = [];
        for (const id of transferIds) outcomes.push(await completed(client, id, 60_000));
        assert.ok(outcomes.includes("done"));
        const states = await Promise.all(keys.map((k) => client.readEntityState(account, k)));
        assert.equal(
          states.reduce((sum, s) => sum + (s.entityState?.balance ?? 0), 0),
          400,
        );
        for (const s of states) assert.ok((s.entityState?.balance ?? -1) >= 0);
        // The last section's releases are delivered after its orchestration completed.
        await eventually(async () => {
          const page = await client.listEntities({ name: account });
          assert.equal(page.entities.length, 4);
          return page.entities.every((e) => e.lockedBy === undefined && e.backlogQueueSize === 0);
        });
      } finally {
        await host.stop();
      }
    });

    it("a locked entity defers other callers' operations until the section is released", async () => {
      const { app, account, holder } = entityApp();
      const host = await startHost(app, makeHub, workerOptions);
      try {
        const { client } = host;
        await client.signalEntity(account, "h", "deposit", 10);
        const id = await client.startNew(holder, { input: "h" });
        await eventually(async () => (await client.getStatus(id))?.customStatus === "locked");
        await client.signalEntity(account, "h", "deposit", 5);
        await sleep(200);
        assert.equal((await client.readEntityState(account, "h")).entityState?.balance, 10, "deferred");
        const [listed] = (await client.listEntities({ name: "Account", keyPrefix: "h" })).entities;
        assert.equal(listed?.lockedBy, id);
        assert.equal(listed?.backlogQueueSize, 1);
        await client.raiseEvent(id, "go");
        assert.equal(
          await completed(client, id),
          10,
          "the holder read the balance before the deferred deposit",
        );
        await eventually(
          async () => (await client.readEntityState(account, "h")).entityState?.balance === 15,
        );
      } finally {
        await host.stop();
      }
    });

    it("locks are released when the orchestration fails or is terminated inside the section", async () => {
      const { app, account, leaver } = entityApp();
      const host = await startHost(app, makeHub, workerOptions);
      try {
        const { client } = host;
        const failing = await client.startNew(leaver, { input: { key: "l1", fail: true } });
        assert.equal((await client.waitForCompletion(failing)).runtimeStatus, "Failed");
        await client.signalEntity(account, "l1", "deposit", 1);
        await eventually(
          async () => (await client.readEntityState(account, "l1")).entityState?.balance === 1,
        );

        const waiting = await client.startNew(leaver, { input: { key: "l2", fail: false } });
        await eventually(async () => (await client.getStatus(waiting))?.customStatus === "locked");
        await client.signalEntity(account, "l2", "deposit", 2);
        await sleep(100);
        assert.equal(
          (await client.readEntityState(account, "l2")).entityExists,
          false,
          "deferred while locked",
        );
        await client.terminate(waiting, "stop");
        await eventually(
          async () => (await client.readEntityState(account, "l2")).entityState?.balance === 2,
        );
      } finally {
        await host.stop();
      }
    });

    it("every locking-rule violation throws LockingRulesViolationError", async () => {
      const { app, violations } = entityApp();
      const host = await startHost(app, makeHub, workerOptions);
      try {
        const expected: Record<string, RegExp> = {
          nested: /LockingRulesViolationError: .*cannot be nested/,
          "call-unlocked": /LockingRulesViolationError: .*has not locked '@account@vb'/,
          "signal-locked": /LockingRulesViolationError: .*can only be called, not signalled/,
          "sub-orchestration": /LockingRulesViolationError: .*sub-orchestrations cannot be started/,
          "parallel-calls": /LockingRulesViolationError: .*one at a time/,
          "before-granted": /LockingRulesViolationError: .*before the locks were granted/,
          empty: /InvalidArgumentError: .*at least one entity/,
        };
        const ids = Object.fromEntries(
          await Promise.all(
            Object.keys(expected).map(async (rule) => [
              rule,
              await host.client.startNew(violations, { input: rule }),
            ]),
          ),
        );
        for (const [rule, pattern] of Object.entries(expected))
          assert.match(String(await completed(host.client, ids[rule]!)), pattern, rule);
      } finally {
        await host.stop();
      }
    });

    it("a throwing operation rolls back its state and signals; the caller gets the error", async () => {
      const { app, account, counter, notifier, callsEntity } = entityApp();
      const host = await startHost(app, makeHub, workerOptions);
      try {
        const { client } = host;
        await client.signalEntity(account, "r", "deposit", 5);
        const id = await client.startNew(callsEntity, {
          input: { entity: "Account", key: "r", op: "withdraw", arg: 50 },
        });
        const status = await client.waitForCompletion(id);
        assert.equal(status.runtimeStatus, "Failed");
        assert.equal(status.failureDetails?.errorType, "TaskFailedError");
        assert.match(status.failureDetails?.message ?? "", /insufficient funds: 5 < 50/);
        assert.equal((await client.readEntityState(account, "r")).entityState?.balance, 5);

        await client.signalEntity(notifier, "n", "fanOut", { keys: ["x"] });
        await client.signalEntity(notifier, "n", "failAfterSignal", "x");
        await client.signalEntity(notifier, "n", "fanOut", { keys: ["x"] });
        await eventually(async () => (await client.readEntityState(counter, "x")).entityState?.total === 2);
        await sleep(100);
        assert.equal(
          (await client.readEntityState(counter, "x")).entityState?.total,
          2,
          "no +100 from the failure",
        );
        assert.deepEqual((await client.readEntityState(notifier, "n")).entityState, { sent: 2 });
        assert.ok(host.log.lines.some((l) => l.includes("'failAfterSignal' failed and was rolled back")));
      } finally {
        await host.stop();
      }
    });

    it("entities signal entities (also scheduled), start orchestrations and delete themselves", async () => {
      const { app, counter, notifier } = entityApp();
      const host = await startHost(app, makeHub, workerOptions);
      try {
        const { client } = host;
        await client.signalEntity(notifier, "n", "fanOut", { keys: ["k1", "k2"] });
        await eventually(async () => (await client.readEntityState(counter, "k2")).entityState?.total === 1);
        const started = Date.now();
        await client.signalEntity(notifier, "n", "fanOut", { keys: ["k1"], delayMs: 400 });
        await eventually(async () => (await client.readEntityState(counter, "k1")).entityState?.total === 2);
        assert.ok(Date.now() - started >= 350, "the scheduled signal waited");
        const later = new Date(Date.now() + 300);
        await client.signalEntity(counter, "k3", "add", { by: 7 }, { signalTime: later });
        assert.equal((await client.readEntityState(counter, "k3")).entityExists, false);
        await eventually(async () => (await client.readEntityState(counter, "k3")).entityState?.total === 7);
        assert.ok(Date.now() >= later.getTime() - 5);

        await client.signalEntity(notifier, "n", "startFlow", "from-entity");
        assert.equal(
          await completed(
            client,
            await eventually(async () =>
              (await client.getStatus("flow-from-entity")) ? "flow-from-entity" : undefined,
            ),
          ),
          2,
        );
        await client.signalEntity(notifier, "n", "remove");
        if (hasLocalDispatch(host.taskHub))
          await eventually(
            async () => (await host.taskHub.getInstance(entityId(notifier, "n").toString())) === undefined,
          );
        else await eventually(async () => !(await client.readEntityState(notifier, "n")).entityExists);
      } finally {
        await host.stop();
      }
    });

    it("lists entities with filters and pages, and cleans entity storage", async () => {
      const { app, counter, cart, account } = entityApp();
      const host = await startHost(app, makeHub, workerOptions);
      try {
        const { client, taskHub } = host;
        for (let i = 0; i < 7; i++) await client.signalEntity(counter, `page-${i}`, "add", { by: i });
        await client.signalEntity(cart, "other", "add", "x");
        await eventually(async () => (await client.listEntities({ pageSize: 100 })).entities.length === 8);
        const seen: string[] = [];
        let token: string | undefined;
        do {
          const page = await client.listEntities({
            name: "counter",
            keyPrefix: "page-",
            pageSize: 3,
            continuationToken: token,
            includeState: true,
          });
          assert.ok(page.entities.length <= 3);
          for (const e of page.entities) {
            seen.push(e.entityId.key);
            assert.equal((e.state as { total: number }).total, Number(e.entityId.key.slice(5)));
          }
          token = page.continuationToken;
        } while (token);
        assert.deepEqual(
          seen.sort(),
          Array.from({ length: 7 }, (_, i) => `page-${i}`),
        );
        const future = await client.listEntities({ lastOperationTimeFrom: new Date(Date.now() + 60_000) });
        assert.equal(future.entities.length, 0);
        const past = await client.listEntities({ lastOperationTimeTo: new Date(), name: cart });
        assert.deepEqual(
          past.entities.map((e) => e.entityId.toString()),
          ["@shoppingcart@other"],
        );
        assert.equal(
          (await client.listEntities({ name: cart })).entities[0]?.state,
          undefined,
          "state only on request",
        );

        // An orphaned lock: held for an orchestration that does not exist.
        await taskHub.appendInboxMessage({
          instanceId: "@shoppingcart@other",
          event: {
            type: "EntityLockRequested",
            timestamp: new Date().toISOString(),
            eventId: 0,
            criticalSectionId: "ghost-section",
            lockSet: ["@shoppingcart@other"],
            position: 0,
            parentInstanceId: "ghost",
            parentExecutionId: "ghost-execution",
          },
        });
        await eventually(
          async () => (await client.listEntities({ name: cart })).entities[0]?.lockedBy === "ghost",
        );
        await client.signalEntity(cart, "other", "add", "y");
        await sleep(100);
        assert.deepEqual((await client.readEntityState(cart, "other")).entityState, ["x"]);
        const result = await client.cleanEntityStorage();
        assert.deepEqual(result, { emptyEntitiesRemoved: 0, orphanedLocksReleased: 1 });
        await eventually(async () => (await client.readEntityState(cart, "other")).entityState?.length === 2);
        assert.deepEqual(await client.cleanEntityStorage(), {
          emptyEntitiesRemoved: 0,
          orphanedLocksReleased: 0,
        });

        // An empty entity row (created, nothing in it): the worker removes it when cleaning nudges it (a fast path:
        // `deleteIfIdle`). On a plain hub the empty row stays, reads as no entity, and cleaning reports 0 at once.
        if (!hasLocalDispatch(taskHub)) {
          await taskHub.createInstance(entityCreation("@account@empty", new Date().toISOString()));
          await eventually(async () => (await statsOf(taskHub)).inboxDepth === 0);
          assert.deepEqual(await client.cleanEntityStorage({ timeoutMs: 60_000 }), {
            emptyEntitiesRemoved: 0,
            orphanedLocksReleased: 0,
          });
          assert.ok(await taskHub.getInstance("@account@empty"), "plain hub: the empty row stays");
          assert.equal((await client.listEntities({ name: account })).entities.length, 0);
          assert.equal((await client.readEntityState(account, "empty")).entityExists, false);
          return;
        }
        await host.worker.stop();
        await taskHub.createInstance(entityCreation("@account@empty", new Date().toISOString()));
        const cleaning = client.cleanEntityStorage({ timeoutMs: 20_000 });
        await eventually(async () => (await statsOf(taskHub)).inboxDepth === 2); // creation + nudge
        const worker = new Worker(taskHub, app.registry, { logger: host.log, ...workerOptions });
        worker.start();
        try {
          assert.deepEqual(await cleaning, { emptyEntitiesRemoved: 1, orphanedLocksReleased: 0 });
          assert.equal(await taskHub.getInstance("@account@empty"), undefined);
          assert.equal((await client.listEntities({ name: account })).entities.length, 0);
        } finally {
          await worker.stop();
        }
      } finally {
        await host.stop();
      }
    });

    it("fails calls for unknown entities and operations clearly, and keeps going", async () => {
      const { app, callsEntity, notifier, counter } = entityApp();
      const host = await startHost(app, makeHub, workerOptions);
      try {
        const { client } = host;
        const unknownEntity = await client.waitForCompletion(
          await client.startNew(callsEntity, { input: { entity: "NoSuchEntity", key: "k", op: "get" } }),
        );
        assert.equal(unknownEntity.runtimeStatus, "Failed");
        assert.match(
          unknownEntity.failureDetails?.message ?? "",
          /No entity named 'nosuchentity' is registered/,
        );
        const unknownOp = await client.waitForCompletion(
          await client.startNew(callsEntity, { input: { entity: "Counter", key: "k", op: "multiply" } }),
        );
        assert.match(
          unknownOp.failureDetails?.message ?? "",
          /Entity 'Counter' has no operation 'multiply'. Its operations: add, reset, total, delete/,
        );
        const badState = await client.waitForCompletion(
          await client.startNew(callsEntity, { input: { entity: "Notifier", key: "b", op: "badState" } }),
        );
        assert.match(
          badState.failureDetails?.message ?? "",
          /state of entity '@notifier@b' after operation 'badState' cannot be serialized.*BigInt/,
        );
        assert.equal((await client.readEntityState(notifier, "b")).entityExists, false, "rolled back");
        await client.signalEntity(counter, "k", "add", { by: 1 });
        await eventually(async () => (await client.readEntityState(counter, "k")).entityState?.total === 1);
      } finally {
        await host.stop();
      }
    });
  });
}
