/**
 * The apps of the entity tests: a shopping cart (the seed's example), a counter that checks per-sender order, bank
 * accounts moved by transfers inside critical sections, and entities that misbehave.
 */
import { DurableApp, entityId, type OrchestrationContext } from "../../src/index.js";

/** Counter state: the total, and per sender the last sequence number seen (to check in-order delivery). */
export interface CounterState {
  total: number;
  last: Record<string, number>;
  outOfOrder: number;
}

/** An `add` from one sender, with its sequence number. */
export interface Add {
  readonly by: number;
  readonly sender?: string;
  readonly seq?: number;
}

/** Builds the test app. */
export function entityApp() {
  const app = new DurableApp();

  const cart = app.entity("ShoppingCart", {
    initialState: (): string[] => [],
    operations: {
      add: (state, item: string) => [...state, item],
      remove: (state, item: string) => state.filter((x) => x !== item),
      get: (state) => state,
    },
    queries: { count: (state) => state.length },
  });

  const counter = app.entity("Counter", {
    initialState: (): CounterState => ({ total: 0, last: {}, outOfOrder: 0 }),
    operations: {
      add: (state, add: Add) => {
        state.total += add.by;
        if (add.sender !== undefined && add.seq !== undefined) {
          if ((state.last[add.sender] ?? -1) >= add.seq) state.outOfOrder++;
          state.last[add.sender] = add.seq;
        }
      },
      reset: () => ({ total: 0, last: {}, outOfOrder: 0 }),
    },
    queries: { total: (state) => state.total },
  });

  class Account {
    balance = 0;
    deposit(amount: number): number {
      if (!Number.isFinite(amount)) throw new TypeError(`not an amount: ${String(amount)}`);
      this.balance += amount;
      return this.balance;
    }
    withdraw(amount: number): number {
      if (amount > this.balance) throw new RangeError(`insufficient funds: ${this.balance} < ${amount}`);
      this.balance -= amount;
      return this.balance;
    }
    get(): number {
      return this.balance;
    }
  }
  const account = app.entity("Account", Account);

  const hammer = app.orchestration("Hammer", async (ctx, input: { sender: string; calls: number }) => {
    for (let i = 0; i < input.calls; i++) {
      ctx.signalEntity(counter, "c", "add", { by: 1, sender: `${input.sender}-signals`, seq: i });
      await ctx.callEntity(counter, "c", "add", { by: 1, sender: `${input.sender}-calls`, seq: i });
    }
    return ctx.callEntity(counter, "c", "total");
  });

  const transfer = app.orchestration(
    "Transfer",
    async (ctx, input: { from: string; to: string; amount: number }) => {
      const lock = await ctx.lockEntities(account.id(input.from), account.id(input.to));
      try {
        const balance = await ctx.callEntity(account, input.from, "get");
        if (balance < input.amount) return "declined";
        await ctx.callEntity(account, input.from, "withdraw", input.amount);
        await ctx.callEntity(account, input.to, "deposit", input.amount);
        return "done";
      } finally {
        lock.release();
      }
    },
  );

  const audit = app.orchestration("Audit", async (ctx, keys: string[]) => {
    const lock = await ctx.lockEntities(...keys.map((k) => entityId(account, k)));
    const balances = await Promise.all(keys.map((k) => ctx.callEntity(account, k, "get")));
    lock.release();
    return balances.reduce((a, b) => a + b, 0);
  });

  /** Holds a lock on an account until the event "go", then reads it. */
  const holder = app.orchestration("Holder", async (ctx, key: string) => {
    const lock = await ctx.lockEntities(account.id(key));
    ctx.setCustomStatus("locked");
    await ctx.waitForExternalEvent("go");
    const balance = await ctx.callEntity(account, key, "get");
    lock.release();
    return balance;
  });

  /** Takes a lock and then fails, or waits to be terminated, without releasing. */
  const leaver = app.orchestration("Leaver", async (ctx, input: { key: string; fail: boolean }) => {
    await ctx.lockEntities(account.id(input.key));
    ctx.setCustomStatus("locked");
    if (input.fail) throw new Error("failed inside the critical section");
    await ctx.waitForExternalEvent("never");
  });

  const violations = app.orchestration("Violations", async (ctx, rule: string) => {
    const a = account.id("va");
    const b = account.id("vb");
    const run = async (body: () => unknown): Promise<string> => {
      try {
        await body();
        return "no error";
      } catch (error) {
        return `${(error as Error).name}: ${(error as Error).message}`;
      }
    };
    switch (rule) {
      case "nested":
        return run(async () => {
          await ctx.lockEntities(a);
          await ctx.lockEntities(b);
        });
      case "call-unlocked":
        return run(async () => {
          await ctx.lockEntities(a);
          await ctx.callEntity(account, "vb", "get");
        });
      case "signal-locked":
        return run(async () => {
          await ctx.lockEntities(a);
          ctx.signalEntity(account, "va", "deposit", 1);
        });
      case "sub-orchestration":
        return run(async () => {
          await ctx.lockEntities(a);
          await ctx.callSubOrchestrator("Audit", ["va"]);
        });
      case "parallel-calls":
        return run(async () => {
          await ctx.lockEntities(a);
          await Promise.all([ctx.callEntity(account, "va", "get"), ctx.callEntity(account, "va", "get")]);
        });
      case "before-granted":
        return run(async () => {
          const pending = ctx.lockEntities(a);
          await ctx.callEntity(account, "va", "get");
          await pending;
        });
      case "empty":
        return run(() => ctx.lockEntities());
      default:
        throw new Error(`unknown rule ${rule}`);
    }
  });

  /** Entities calling out: signals (also scheduled), orchestration starts, deletion. */
  const notifier = app.entity("Notifier", {
    initialState: () => ({ sent: 0 }),
    operations: {
      fanOut: (state, input: { keys: string[]; delayMs?: number }, ctx) => {
        for (const key of input.keys)
          ctx.signalEntity(
            counter,
            key,
            "add",
            { by: 1 },
            {
              signalTime: input.delayMs === undefined ? undefined : new Date(Date.now() + input.delayMs),
            },
          );
        return { sent: state.sent + input.keys.length };
      },
      startFlow: (state, key: string, ctx) => {
        ctx.startNewOrchestration(hammer, { sender: key, calls: 1 }, { instanceId: `flow-${key}` });
        return state;
      },
      failAfterSignal: (_state, key: string, ctx) => {
        ctx.signalEntity(counter, key, "add", { by: 100 });
        throw new Error("rolled back");
      },
      badState: () => ({ sent: 10n as unknown as number }),
      remove: (_state, _input: void, ctx) => ctx.deleteState(),
    },
  });

  const callsEntity = app.orchestration(
    "CallsEntity",
    async (ctx: OrchestrationContext, input: { entity: string; key: string; op: string; arg?: unknown }) =>
      ctx.callEntity(input.entity, input.key, input.op, input.arg),
  );

  return {
    app,
    cart,
    counter,
    account,
    hammer,
    transfer,
    audit,
    holder,
    leaver,
    violations,
    notifier,
    callsEntity,
  };
}
