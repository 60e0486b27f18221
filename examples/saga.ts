/**
 * Retries with saga compensation: book a flight and a hotel; if payment fails after retries, undo the bookings.
 * `npx tsx examples/saga.ts`
 */
import { DurableApp, RetryPolicy, isTaskFailedError, sqliteTaskHub } from "taskhub";

const app = new DurableApp();
const bookFlight = app.activity("BookFlight", (trip: string) => `flight for ${trip}`);
const bookHotel = app.activity("BookHotel", (trip: string) => `hotel for ${trip}`);
const pay = app.activity("Pay", (_trip: string, ctx) => {
  console.log(`  paying (attempt ${ctx.attempt}, key ${ctx.idempotencyKey})`);
  throw new Error("the payment provider is down");
});
const cancel = app.activity("CancelBooking", (booking: string) => console.log(`  cancelled ${booking}`));

const bookTrip = app.orchestration("BookTrip", async (ctx, trip: string) => {
  const retry = new RetryPolicy({ firstRetryIntervalMs: 100, backoffCoefficient: 2, maxNumberOfAttempts: 3 });
  const done: string[] = [];
  try {
    done.push(await ctx.callActivity(bookFlight, trip, { retry }));
    done.push(await ctx.callActivity(bookHotel, trip, { retry }));
    await ctx.callActivity(pay, trip, { retry });
    return { booked: done };
  } catch (error) {
    for (const booking of done.reverse()) await ctx.callActivity(cancel, booking);
    return { compensated: done, reason: isTaskFailedError(error) ? error.failure.message : String(error) };
  }
});

const host = await app.start({ taskHub: sqliteTaskHub(":memory:") });
try {
  const status = await host.client.waitForCompletion(
    await host.client.startNew(bookTrip, { input: "Lisbon" }),
  );
  console.log(`${status.runtimeStatus}:`, status.output);
} finally {
  await host.stop();
}
