/**
 * A worker process of the PostgreSQL versioning test: `node --import tsx pg-version-worker.ts <hub name> <tag>
 * <default version> <match strategy>` runs the versioned app on that hub (connection from `TASKHUB_POSTGRES_URL` /
 * `DATABASE_URL` / the default) as the code of deployment `<tag>`: every step it runs records the tag, so the test
 * can tell which worker ran it. Rejections (info, debug), warnings and errors go to stderr, one per line, prefixed
 * with the level; "ready <worker ID>" on stdout once the worker runs.
 */
import { postgresTaskHub, type VersionMatchStrategy } from "../../src/index.js";
import { versionedApp } from "./pg-version-app.js";

const [hubName, tag, defaultVersion, matchStrategy] = process.argv.slice(2);
if (!hubName || !tag || !defaultVersion || !matchStrategy)
  throw new Error("usage: pg-version-worker.ts <hub name> <tag> <default version> <match strategy>");
const write = (level: string) => (message: string) => process.stderr.write(`${level} ${message}\n`);
const { app } = versionedApp(tag);
const host = await app.start({
  taskHub: postgresTaskHub({ hubName, pool: { max: 6, connectionTimeoutMillis: 5000 } }),
  defaultVersion,
  versioning: { matchStrategy: matchStrategy as VersionMatchStrategy },
  maxPollIntervalMs: 500,
  shutdownTimeoutMs: 1000,
  logger: { debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error") },
});
process.stdout.write(`ready ${host.worker.workerId}\n`);
