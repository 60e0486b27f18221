/**
 * The app of the entity crash test: a slow counter (each operation takes `opMs` and writes a journal line, so a batch
 * is in flight long enough to be killed) and orchestrations that call it.
 */
import { appendFileSync } from "node:fs";
import { DurableApp } from "../../src/index.js";

/** One `add` from a sender, with its sequence number. */
export interface SlowAdd {
  readonly sender: string;
  readonly seq: number;
}

/** Builds the app; `journal` receives one line per operation executed (committed or not). */
export function entityCrashApp(journal: string, opMs: number) {
  const app = new DurableApp();
  const counter = app.entity("SlowCounter", {
    initialState: () => ({ total: 0, last: {} as Record<string, number>, outOfOrder: 0 }),
    operations: {
      add: async (state, add: SlowAdd) => {
        appendFileSync(journal, `${add.sender}:${add.seq} ${process.pid}\n`);
        await new Promise((resolve) => setTimeout(resolve, opMs));
        if ((state.last[add.sender] ?? -1) >= add.seq) state.outOfOrder++;
        state.last[add.sender] = add.seq;
        state.total++;
        return state;
      },
    },
    queries: { total: (state) => state.total },
  });
  const caller = app.orchestration("SlowCaller", async (ctx, input: { sender: string; calls: number }) => {
    let total = 0;
    for (let seq = 0; seq < input.calls; seq++)
      total = (await ctx.callEntity(counter, "c", "add", { sender: input.sender, seq })).total;
    return total;
  });
  return { app, counter, caller };
}
