/**
 * Compile-time checks of the typed entity API (`tsc --noEmit` runs over the tests): operation names, inputs and
 * results come from the definition, for both forms, at the client, in orchestrators and in entities. The runtime test
 * only makes sure the file is part of the suite.
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import {
  DurableApp,
  type DurableClient,
  type EntityStateOf,
  type OrchestrationContext,
} from "../../src/index.js";

const app = new DurableApp();
const cart = app.entity("ShoppingCart", {
  initialState: (): string[] => [],
  operations: {
    add: (state, item: string) => [...state, item],
    remove: (state, item: string) => state.filter((x) => x !== item),
    get: (state) => state,
    note: (state, _note: string | undefined, ctx) => {
      ctx.signalEntity(cart, "other", "add", "x");
      // @ts-expect-error: the input of 'add' is a string
      ctx.signalEntity(cart, "other", "add", 1);
      return state;
    },
  },
  queries: { count: (state) => state.length, has: (state, item: string) => state.includes(item) },
});
class Account {
  balance = 0;
  deposit(amount: number): number {
    return (this.balance += amount);
  }
  get(): number {
    return this.balance;
  }
}
const account = app.entity("Account", Account);

export async function orchestrator(ctx: OrchestrationContext): Promise<void> {
  const items: string[] = await ctx.callEntity(cart, "u", "add", "book");
  const same: string[] = await ctx.callEntity(cart, "u", "get");
  const count: number = await ctx.callEntity(cart, "u", "count");
  const has: boolean = await ctx.callEntity(cart, "u", "has", "book");
  await ctx.callEntity(cart, "u", "note");
  await ctx.callEntity(cart, "u", "delete");
  const balance: number = await ctx.callEntity(account, "a", "deposit", 5);
  const untyped = await ctx.callEntity<{ n: number }>("Counter", "c", "anything", { any: "input" });
  ctx.signalEntity(cart, "u", "remove", "book", { signalTime: new Date() });
  ctx.signalEntity(cart, "u", "get");
  const lock = await ctx.lockEntities(account.id("a"), cart.id("u"));
  lock.release();
  // @ts-expect-error: unknown operation
  await ctx.callEntity(cart, "u", "clear");
  // @ts-expect-error: 'add' needs its input
  await ctx.callEntity(cart, "u", "add");
  // @ts-expect-error: wrong input type
  await ctx.callEntity(cart, "u", "add", 42);
  // @ts-expect-error: 'get' takes no input
  await ctx.callEntity(cart, "u", "get", "x");
  // @ts-expect-error: fields are state, not operations
  await ctx.callEntity(account, "a", "balance");
  void [items, same, count, has, balance, untyped.n];
}

export async function client(c: DurableClient): Promise<void> {
  await c.signalEntity(cart, "u", "add", "book");
  await c.signalEntity(account, "a", "deposit", 1, { signalTime: new Date() });
  const { entityExists, entityState } = await c.readEntityState(cart, "u");
  const items: string[] | undefined = entityState;
  const state: EntityStateOf<typeof account> | undefined = (await c.readEntityState(account, "a"))
    .entityState;
  const balance: number | undefined = state?.balance;
  // @ts-expect-error: wrong input type
  await c.signalEntity(account, "a", "deposit", "1");
  // @ts-expect-error: unknown operation
  await c.signalEntity(account, "a", "withdraw", 1);
  void [entityExists, items, balance];
}

it("the typed entity API compiles as documented", () => {
  assert.deepEqual(cart.operationNames, ["add", "remove", "get", "note", "count", "has"]);
  assert.deepEqual(account.operationNames, ["deposit", "get"]);
});
