/**
 * The app of the uncaught-error tests: activities that throw outside their promise (in a timer callback, with a
 * rejected promise nobody handles, from an event emitter), and one that never finishes, to be in flight meanwhile.
 * Its module is also what `taskhub start` loads in the CLI test.
 */
import { EventEmitter } from "node:events";
import { DurableApp } from "../../src/index.js";

/** How an activity escapes its promise. */
export type Leak = "timer" | "rejection" | "emitter";

/** Builds the app. */
export function uncaughtApp() {
  const app = new DurableApp();
  const never = new Promise<never>(() => undefined);
  const leaky = app.activity("Leaky", async (leak: Leak) => {
    if (leak === "timer")
      setTimeout(() => {
        throw new Error("thrown in a timer callback");
      }, 10);
    else if (leak === "rejection")
      setTimeout(() => void Promise.reject(new Error("rejected, unhandled")), 10);
    else {
      const emitter = new EventEmitter();
      setTimeout(() => emitter.emit("error", new Error("emitted with no listener")), 10);
    }
    return never;
  });
  const waiting = app.activity("Waiting", async () => never);
  const leaks = app.orchestration("Leaks", async (ctx, leak: Leak) => ctx.callActivity(leaky, leak));
  const waits = app.orchestration("Waits", async (ctx) => ctx.callActivity(waiting, undefined));
  return { app, leaks, waits };
}

export default uncaughtApp().app;
