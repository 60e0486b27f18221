/** Runs each Durable Functions v3 sample once on a SQLite hub: `npx tsx examples/df-v3/main.ts`. */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sqliteTaskHub } from "taskhub";
import * as df from "taskhub/durable-functions";
import "./index.js";

const dir = await mkdtemp(join(tmpdir(), "df-v3-"));
const host = await df.app.start({ taskHub: sqliteTaskHub(join(dir, "hub.db")) });
const client = df.getClient(host);
try {
  const run = async (name: string, input?: unknown) => {
    const id = await client.startNew(name, { input });
    const status = await client.taskhub.waitForCompletion(id, { timeoutMs: 30_000 });
    console.log(`${name}: ${status.runtimeStatus}`, status.output);
    return id;
  };
  await run("HelloSequence");
  await mkdir(join(dir, "site"), { recursive: true });
  await writeFile(join(dir, "site", "index.html"), "<h1>Hello</h1>");
  await writeFile(join(dir, "site", "style.css"), "h1 { color: teal }");
  await run("BackupSiteContent", { source: join(dir, "site"), target: join(dir, "backup") });
  await run("ApprovalWorkflow", { document: "budget.xlsx", timeoutMs: 1_000 }); // nobody approves: escalated
  await client.signalEntity(new df.EntityId("Counter", "demo"), "add", 41);
  await run("CounterOrchestration", "demo");
} finally {
  await host.stop();
  await rm(dir, { recursive: true, force: true });
}
