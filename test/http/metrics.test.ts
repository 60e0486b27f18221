/**
 * Metrics on a SQLite file hub: the suite of `test/support/metrics-suite.ts`.
 */
import { join } from "node:path";
import { metricsSuite } from "../support/metrics-suite.js";

metricsSuite("SQLite", { flags: (dir) => ({ hub: join(dir, "hub.db"), "hub-name": "taskhub" }) });
