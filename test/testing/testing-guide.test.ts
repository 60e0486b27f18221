/**
 * The examples of docs/testing.md, run as tests: the seed workflows (order processing with mocked activities, human
 * interaction with a 72-hour timeout on both paths, a saga with compensation) in the time-skipping test environment.
 * The last test checks that every code block of the guide marked as coming from this file is in it verbatim, so the
 * guide cannot drift from code that runs.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { DurableApp, RetryPolicy, isTaskFailedError } from "taskhub";
import { createTestEnvironment } from "taskhub/testing";

// ---- order-app.ts: the seed workflow ----

export interface Order {
  readonly orderId: string;
  readonly email: string;
  readonly amount: number;
}

export const app = new DurableApp();

const chargeCreditCard = app.activity("ChargeCreditCard", async (order: Order): Promise<string> => {
  throw new Error(`a real payment provider would charge ${order.amount} here`);
});
const sendToWarehouse = app.activity("SendToWarehouse", async (_txId: string): Promise<string> => {
  throw new Error("a real warehouse would be called here");
});
const sendConfirmationEmail = app.activity("SendConfirmationEmail", async (_email: string) => {
  throw new Error("a real email would be sent here");
});

export const processOrder = app.orchestration("ProcessOrder", async (ctx, order: Order) => {
  const retry = new RetryPolicy({
    firstRetryIntervalMs: 1000,
    backoffCoefficient: 2,
    maxNumberOfAttempts: 3,
  });
  const txId = await ctx.callActivity(chargeCreditCard, order, { retry });
  const shipmentId = await ctx.callActivity(sendToWarehouse, txId);
  await ctx.callActivity(sendConfirmationEmail, order.email);
  return { txId, shipmentId };
});

// ---- order.test.ts ----

const order: Order = { orderId: "o-1", email: "ada@example.com", amount: 42 };

describe("ProcessOrder", () => {
  it("charges, ships and confirms", async () => {
    const calls: string[] = [];
    await using env = await createTestEnvironment(app, {
      activities: {
        ChargeCreditCard: async (o: Order) => (calls.push(`charge ${o.amount}`), "tx-1"),
        SendToWarehouse: async (txId: string) => (calls.push(`ship ${txId}`), "shipment-1"),
        SendConfirmationEmail: async (email: string) => void calls.push(`email ${email}`),
      },
    });
    const id = await env.client.startNew(processOrder, { input: order });
    const status = await env.client.waitForCompletion(id);
    assert.equal(status.runtimeStatus, "Completed");
    assert.deepEqual(status.output, { txId: "tx-1", shipmentId: "shipment-1" });
    assert.deepEqual(calls, ["charge 42", "ship tx-1", "email ada@example.com"]);
  });

  it("retries the charge on virtual time: 1 s, then 2 s", async () => {
    let attempts = 0;
    await using env = await createTestEnvironment(app, {
      activities: {
        ChargeCreditCard: async () => {
          if (++attempts < 3) throw new Error("card network down");
          return "tx-3";
        },
        SendToWarehouse: async () => "shipment-1",
        SendConfirmationEmail: async () => {},
      },
    });
    const start = env.now();
    const id = await env.client.startNew(processOrder, { input: order });
    const status = await env.client.waitForCompletion(id);
    assert.deepEqual(status.output, { txId: "tx-3", shipmentId: "shipment-1" });
    assert.equal(attempts, 3);
    assert.equal(env.now() - start, 3000); // the two retry timers, skipped
  });
});

// ---- approval-app.ts: human interaction with a 72-hour timeout ----

const HOUR = 60 * 60 * 1000;
export const approvalApp = new DurableApp();

const requestApproval = approvalApp.activity("RequestApproval", async (_request: string) => {
  throw new Error("a real app would ask a manager here");
});
const escalate = approvalApp.activity("Escalate", async (_request: string) => {
  throw new Error("a real app would page the manager's manager here");
});

export const approval = approvalApp.orchestration("Approval", async (ctx, request: string) => {
  await ctx.callActivity(requestApproval, request);
  const answer = ctx.waitForExternalEvent<boolean>("ApprovalEvent");
  const deadline = ctx.createTimer(ctx.currentUtcDateTime.getTime() + 72 * HOUR);
  const winner = await ctx.whenAny([answer, deadline]);
  if (winner === answer) {
    deadline.cancel();
    return (await answer) ? "approved" : "rejected";
  }
  await ctx.callActivity(escalate, request);
  return "escalated";
});

// ---- approval.test.ts ----

describe("Approval", () => {
  const mocks = { RequestApproval: async () => {}, Escalate: async () => {} };

  it("is approved when the manager answers in time", async () => {
    await using env = await createTestEnvironment(approvalApp, { activities: mocks });
    const start = env.now();
    const id = await env.client.startNew(approval, { input: "new laptop" });
    await env.skipTime(71 * HOUR); // the manager answers after 71 hours
    await env.client.raiseEvent(id, "ApprovalEvent", true);
    const status = await env.client.waitForCompletion(id);
    assert.equal(status.output, "approved");
    assert.equal(env.now() - start, 71 * HOUR);
  });

  it("escalates when nobody answers within 72 hours", async () => {
    const escalated: string[] = [];
    await using env = await createTestEnvironment(approvalApp, {
      activities: { ...mocks, Escalate: async (request: string) => void escalated.push(request) },
    });
    const start = env.now();
    const id = await env.client.startNew(approval, { input: "new laptop" });
    const status = await env.client.waitForCompletion(id); // skips the 72 hours
    assert.equal(status.output, "escalated");
    assert.deepEqual(escalated, ["new laptop"]);
    assert.equal(env.now() - start, 72 * HOUR);
  });
});

// ---- trip-app.ts: a saga with compensation ----

export const tripApp = new DurableApp();

const bookFlight = tripApp.activity("BookFlight", async (_trip: string): Promise<string> => {
  throw new Error("a real airline would be called here");
});
const bookHotel = tripApp.activity("BookHotel", async (_trip: string): Promise<string> => {
  throw new Error("a real hotel would be called here");
});
const pay = tripApp.activity("Pay", async (_trip: string): Promise<void> => {
  throw new Error("a real payment would be made here");
});
const cancelBooking = tripApp.activity("CancelBooking", async (_booking: string): Promise<void> => {
  throw new Error("a real cancellation would be sent here");
});

export const bookTrip = tripApp.orchestration("BookTrip", async (ctx, trip: string) => {
  const retry = new RetryPolicy({ firstRetryIntervalMs: 60_000, maxNumberOfAttempts: 3 });
  const booked: string[] = [];
  try {
    booked.push(await ctx.callActivity(bookFlight, trip));
    booked.push(await ctx.callActivity(bookHotel, trip));
    await ctx.callActivity(pay, trip, { retry });
    return { booked };
  } catch (error) {
    const cancelled = [...booked].reverse(); // undo the newest first
    for (const booking of cancelled) await ctx.callActivity(cancelBooking, booking);
    return { cancelled, reason: isTaskFailedError(error) ? error.failure.message : String(error) };
  }
});

// ---- trip.test.ts ----

describe("BookTrip", () => {
  it("cancels the bookings, newest first, when payment fails after its retries", async () => {
    const cancelled: string[] = [];
    let payments = 0;
    await using env = await createTestEnvironment(tripApp, {
      activities: {
        BookFlight: async (trip: string) => `flight to ${trip}`,
        BookHotel: async (trip: string) => `hotel in ${trip}`,
        Pay: async () => {
          payments++;
          throw new Error("card declined");
        },
        CancelBooking: async (booking: string) => void cancelled.push(booking),
      },
    });
    const id = await env.client.startNew(bookTrip, { input: "Lisbon" });
    const status = await env.client.waitForCompletion(id);
    assert.deepEqual(status.output, {
      cancelled: ["hotel in Lisbon", "flight to Lisbon"],
      reason: "card declined",
    });
    assert.deepEqual(cancelled, ["hotel in Lisbon", "flight to Lisbon"]);
    assert.equal(payments, 3);
  });
});

// ---- counter.test.ts: an entity ----

const DAY = 24 * HOUR;
export const counterApp = new DurableApp();
export const counter = counterApp.entity("Counter", {
  initialState: () => 0,
  operations: { add: (state: number, amount: number) => state + amount },
});

describe("Counter", () => {
  it("adds what it is signalled, a delayed signal on virtual time", async () => {
    await using env = await createTestEnvironment(counterApp);
    const state = () => env.client.readEntityState(counter, "c1");
    await env.client.signalEntity(counter, "c1", "add", 2);
    await env.client.signalEntity(counter, "c1", "add", 10, { signalTime: new Date(env.now() + DAY) });
    await env.waitForIdle(); // the first signal is processed; the second is due tomorrow
    assert.deepEqual(await state(), { entityExists: true, entityState: 2 });
    await env.skipTime(DAY);
    assert.deepEqual(await state(), { entityExists: true, entityState: 12 });
  });
});

// ---- the guide shows this file ----

describe("docs/testing.md", () => {
  it("shows code from this file verbatim", () => {
    const guide = readFileSync(new URL("../../docs/testing.md", import.meta.url), "utf8");
    const source = readFileSync(new URL(import.meta.url), "utf8");
    const marker = "<!-- from test/testing/testing-guide.test.ts -->";
    const blocks = guide
      .split(marker)
      .slice(1)
      .map((rest) => /^\s*```ts\n([\s\S]*?)\n```/.exec(rest)?.[1]);
    assert.ok(blocks.length >= 7, `the guide has ${blocks.length} marked blocks`);
    const unindented = (text: string) =>
      text
        .split("\n")
        .map((line) => line.trimStart())
        .join("\n");
    for (const block of blocks) {
      assert.ok(block, "a marked block is a ```ts code block right after its marker");
      assert.ok(unindented(source).includes(unindented(block)), `this file has the guide's block:\n${block}`);
    }
  });
});
