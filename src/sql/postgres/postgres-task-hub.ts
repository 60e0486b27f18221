/**
 * The PostgreSQL task hub: each hub is one PostgreSQL schema, so several hubs share a database without touching each
 * other. Work is claimed with `FOR UPDATE SKIP LOCKED` (workers in many processes never block each other or claim
 * the same instance), notices cross processes with LISTEN/NOTIFY. Needs PostgreSQL 13 or later (`gen_random_uuid`).
 * @module
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { InvalidArgumentError } from "../../core/errors.js";
import { toLogger, type LogSink } from "../../core/logger.js";
import { checkOptions } from "../../core/options.js";
import type { Clock } from "../../task-hub/clock.js";
import { notifyChannel, postgresDialect } from "./pg-dialect.js";
import { guardedWrites } from "./guarded-writes.js";
import { PgNoticeListener } from "./pg-notice-listener.js";
import { PgDriver } from "./pg-driver.js";
import { PgMaintenance, type PostgresMaintenanceOptions } from "./pg-maintenance.js";
import { SqlTaskHub } from "../sql-task-hub.js";

/** Options of {@link postgresTaskHub}. */
export interface PostgresTaskHubOptions {
  /**
   * `postgres://user:password@host:port/database`. Without it, the defaults of `resolvePostgresConfig` apply
   * (the `TASKHUB_POSTGRES_URL`, `DATABASE_URL` and `PG*` variables, else the local server).
   */
  readonly connectionString?: string | undefined;
  /** Extra `pg.Pool` settings (pool size, timeouts, SSL...). */
  readonly pool?: pg.PoolConfig | undefined;
  /**
   * The hub's name, which is the PostgreSQL schema holding its tables (default `"taskhub"`): a letter, then letters,
   * digits or underscores, at most 50 characters. Case-sensitive (the schema name is quoted).
   */
  readonly hubName?: string | undefined;
  /**
   * Where the hub reads time: leases, visibility, timers, stored times (default: the system clock; the hub never
   * reads the server's time). Workers and clients on the hub read it too. A `ManualClock` (`taskhub/testing`) runs
   * the hub on virtual time.
   */
  readonly clock?: Clock | undefined;
  /**
   * Where the hub writes what it has to say (default `console`, without debug lines): a warning at `init` when the
   * server's autovacuum is off, and what its maintenance does (each vacuum at debug level).
   */
  readonly logger?: LogSink | undefined;
  /**
   * Upkeep of the hub's hot tables (`inbox`, `activity_queue`, `instances`, whose dead rows slow the claims down):
   * by default the hub vacuums them itself when autovacuum leaves them due, one process at a time (see
   * {@link PostgresMaintenanceOptions}).
   */
  readonly maintenance?: PostgresMaintenanceOptions | undefined;
}

/** The hub's default log sink. */
const CONSOLE_WITHOUT_DEBUG: LogSink = {
  debug: () => undefined,
  info: (...args) => console.info(...args),
  warn: (...args) => console.warn(...args),
  error: (...args) => console.error(...args),
};

/** The connection used when nothing else is configured. */
export const DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/test";

const HUB_NAME = /^[A-Za-z][A-Za-z0-9_]{0,49}$/;

/** Throws {@link InvalidArgumentError} when `name` is not a valid hub name. */
export function validateHubName(name: string): void {
  if (typeof name !== "string" || !HUB_NAME.test(name))
    throw new InvalidArgumentError(
      `Invalid PostgreSQL task hub name ${JSON.stringify(name)}: it must start with a letter, contain only ` +
        `letters, digits and underscores, and be at most 50 characters long.`,
    );
}

/**
 * The pool configuration for `options`, in order of precedence: `options.connectionString`; a `pool` that sets its
 * own `connectionString` or `host`; the `TASKHUB_POSTGRES_URL` then `DATABASE_URL` environment variables; the
 * standard `PGHOST` / `PGPORT` / `PGUSER` / `PGPASSWORD` / `PGDATABASE` variables when any is set (read by `pg`);
 * else {@link DEFAULT_POSTGRES_URL}.
 */
export function resolvePostgresConfig(
  options: Pick<PostgresTaskHubOptions, "connectionString" | "pool">,
  env: NodeJS.ProcessEnv = process.env,
): pg.PoolConfig {
  const pool = options.pool ?? {};
  if (options.connectionString) return { ...pool, connectionString: options.connectionString };
  if (pool.connectionString || pool.host) return pool;
  const url = env.TASKHUB_POSTGRES_URL || env.DATABASE_URL;
  if (url) return { ...pool, connectionString: url };
  if (env.PGHOST || env.PGPORT || env.PGUSER || env.PGPASSWORD || env.PGDATABASE) return pool;
  return { ...pool, connectionString: DEFAULT_POSTGRES_URL };
}

/**
 * Creates a PostgreSQL task hub (no connection is opened until first use). Call `init()` before use to create or
 * upgrade the hub's schema; several processes may do so at once.
 *
 * @param target A connection string (`postgres://user:password@host:port/database`), or the options.
 * @throws InvalidArgumentError for an unknown option, an option of the wrong type, an empty connection string or an
 *   invalid hub name: options are never silently ignored.
 */
export function postgresTaskHub(target: PostgresTaskHubOptions | string = {}): SqlTaskHub {
  const options = postgresOptions(target);
  const hubName = options.hubName ?? "taskhub";
  validateHubName(hubName);
  const config = withGenericPlans(resolvePostgresConfig(options));
  const pool = new pg.Pool(config);
  // A pooled connection that dies (server restart, pg_terminate_backend) must not crash the process: the pool reports
  // idle clients' errors here, and every client keeps a listener of its own, because pg emits a second 'error' in
  // some sequences (a failed statement, then the disconnection) when the pool no longer listens. The statements that
  // were running fail, and the next ones reconnect.
  pool.on("error", () => undefined);
  pool.on("connect", (client) => {
    client.on("error", () => undefined);
  });
  const origin = randomUUID();
  const listener = new PgNoticeListener(config, notifyChannel(hubName), (o) => o === origin);
  const dialect = postgresDialect(hubName);
  const maintenance = new PgMaintenance({
    config,
    schema: hubName,
    logger: toLogger(options.logger ?? CONSOLE_WITHOUT_DEBUG),
    options: options.maintenance ?? {},
  });
  return new SqlTaskHub({
    driver: new PgDriver(pool),
    dialect,
    writes: guardedWrites(dialect),
    description: `postgres:${describeTarget(config)}#${hubName}`,
    remoteNotices: listener,
    origin,
    clock: options.clock,
    noticesComplete: true, // finishes are published with NOTIFY
    maintenance,
  });
}

/** The options `target` stands for, checked. */
function postgresOptions(target: PostgresTaskHubOptions | string): PostgresTaskHubOptions {
  const options = typeof target === "string" ? { connectionString: target } : target;
  checkOptions("postgresTaskHub", options, {
    connectionString: "string",
    pool: "object",
    hubName: "string",
    clock: "object",
    logger: "object",
    maintenance: "object",
  });
  if (options.connectionString !== undefined && options.connectionString.trim() === "")
    throw new InvalidArgumentError("postgresTaskHub: the connection string is empty.");
  checkMaintenanceOptions(options.maintenance);
  return options;
}

const VACUUM_MODES: readonly unknown[] = ["auto", "off"];

function checkMaintenanceOptions(maintenance: PostgresMaintenanceOptions | undefined): void {
  checkOptions("postgresTaskHub maintenance", maintenance, { vacuum: "string", intervalMs: "integer" });
  if (maintenance?.vacuum !== undefined && !VACUUM_MODES.includes(maintenance.vacuum))
    throw new InvalidArgumentError(
      `postgresTaskHub maintenance: option 'vacuum' must be "auto" or "off", got ${JSON.stringify(
        maintenance.vacuum,
      )}.`,
    );
  if (maintenance?.intervalMs !== undefined && maintenance.intervalMs < 1)
    throw new InvalidArgumentError(
      `postgresTaskHub maintenance: option 'intervalMs' must be a positive number of milliseconds, got ${maintenance.intervalMs}.`,
    );
}

/**
 * The planner settings of the hub's connections (startup options):
 *
 * - `plan_cache_mode=force_generic_plan`: the hub's statements are few, fixed and prepared once per connection;
 *   PostgreSQL would still plan most of them anew at every execution (array parameters make its custom plans look
 *   cheaper), which costs more than running them. Their generic plans are good (index lookups by key).
 * - `enable_seqscan=off`: a connection keeps the plans it made (of its prepared statements and of the guard
 *   functions) until the tables' statistics change. Plans made while a hub's tables are nearly empty scan them
 *   sequentially, and stay so while the tables grow (a queue table full of dead rows included) until autovacuum
 *   analyzes them, which multiplied a commit's server time on a busy new hub. Every statement the hub runs often is
 *   a lookup by an indexed key; whole-table counts (`getStats`) are written to use an index as well.
 * - `jit=off`: a generic plan's cost is estimated for parameters it does not know (a claim of up to `:max` rows, each
 *   with its inbox), which can pass `jit_above_cost`; compiling a claim that runs in a millisecond took 30 ms.
 */
export function withGenericPlans(config: pg.PoolConfig): pg.PoolConfig {
  const setting = "-c plan_cache_mode=force_generic_plan -c enable_seqscan=off -c jit=off";
  return { ...config, options: config.options ? `${config.options} ${setting}` : setting };
}

function describeTarget(config: pg.PoolConfig): string {
  if (config.connectionString) {
    try {
      const url = new URL(config.connectionString);
      return `${url.host}${url.pathname}`;
    } catch {
      return "(connection string)";
    }
  }
  const env = process.env;
  return `${config.host ?? env.PGHOST ?? "localhost"}:${config.port ?? env.PGPORT ?? 5432}/${
    config.database ?? env.PGDATABASE ?? ""
  }`;
}
