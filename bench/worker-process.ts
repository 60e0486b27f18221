/**
 * A benchmark worker process: `node --import tsx bench/worker-process.ts <hub name>` runs the benchmark app's worker
 * on that PostgreSQL hub (connection from `TASKHUB_POSTGRES_URL` / `DATABASE_URL` / the default) until SIGTERM.
 */
import { postgresTaskHub } from "../src/index.js";
import { benchApp, silent } from "./workloads.js";

const hubName = process.argv[2];
if (!hubName) throw new Error("usage: worker-process.ts <hub name>");
const { app } = benchApp();
const host = await app.start({ taskHub: postgresTaskHub({ hubName }), logger: silent });
process.once("SIGTERM", () => {
  void host.stop().then(() => process.exit(0));
});
process.stdout.write("ready\n");
