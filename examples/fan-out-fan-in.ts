/** Fan-out/fan-in: count words in many documents in parallel, then sum. `npx tsx examples/fan-out-fan-in.ts` */
import { DurableApp, sqliteTaskHub } from "taskhub";

const app = new DurableApp();
const listDocuments = app.activity("ListDocuments", (count: number) =>
  Array.from({ length: count }, (_, i) => `document ${i} has ${i % 7} extra words`),
);
const countWords = app.activity("CountWords", (text: string) => text.split(/\s+/).length);

const wordCount = app.orchestration("WordCount", async (ctx, count: number) => {
  const documents = await ctx.callActivity(listDocuments, count);
  const counts = await Promise.all(documents.map((d) => ctx.callActivity(countWords, d)));
  return { documents: documents.length, words: counts.reduce((a, b) => a + b, 0) };
});

const host = await app.start({ taskHub: sqliteTaskHub(":memory:") });
try {
  const id = await host.client.startNew(wordCount, { input: 250 });
  const status = await host.client.waitForCompletion(id);
  console.log(`${status.runtimeStatus}:`, status.output);
} finally {
  await host.stop();
}
