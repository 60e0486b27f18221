/**
 * Host configuration: each setting comes from a command-line flag, else an environment variable, else the config
 * file (`taskhub.config.json`, or `--config` / `TASKHUB_CONFIG`), else its default. Invalid values fail with a
 * message naming where the value came from.
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { uncheckedClaims, type JwtOptions } from "../http/auth/jwt.js";
import { DEFAULT_MAX_BODY_BYTES } from "../http/node-adapter.js";
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from "./logging.js";
import { isPostgresUrl, isUrlOrMemory, resolveHubLocation } from "./hub-location.js";
import {
  VERSION_FAILURE_STRATEGIES,
  VERSION_MATCH_STRATEGIES,
  type VersionFailureStrategy,
  type VersionMatchStrategy,
  type VersioningOptions,
} from "../core/versioning.js";
import { parseRetentionPolicies, type RetentionPolicy } from "../schedules/retention-policy.js";
import { CronSchedule } from "../schedules/cron-schedule.js";

/** Everything a host needs to know. */
export interface HostConfig {
  /** Port of the HTTP server (default 7071; 0 picks a free one). */
  readonly port: number;
  /**
   * Interface to listen on: default `0.0.0.0`, but `127.0.0.1` in local-dev mode (which requires no keys) unless the
   * host is set explicitly (flag, environment or config file).
   */
  readonly host: string;
  /**
   * Where the task hub lives: a SQLite file, `:memory:`, or a `postgres://` URL. From `--hub` / `TASKHUB_HUB`, or
   * `--postgres` / `TASKHUB_POSTGRES_URL`, else `DATABASE_URL` when it is a PostgreSQL URL, else `./.taskhub/hub.db`.
   */
  readonly hub: string;
  /** The task hub's name: `taskHub=` in management URLs, the schema for PostgreSQL (default `taskhub`). */
  readonly hubName: string;
  readonly maxConcurrentOrchestrations?: number | undefined;
  readonly maxConcurrentActivities?: number | undefined;
  /**
   * Deliveries of one work item that may end without completing before it is quarantined as poison work
   * (`--max-delivery-count` / `TASKHUB_MAX_DELIVERY_COUNT`; default: the worker's, 10).
   */
  readonly maxDeliveryCount?: number | undefined;
  /** Largest accepted request body (default 1 MiB). */
  readonly maxBodyBytes: number;
  /** Most actions of one orchestration execution (the worker's default when unset: 100,000). */
  readonly maxOrchestrationActions?: number | undefined;
  /** Most history events of one orchestration execution (the worker's default when unset: 500,000). */
  readonly maxHistoryEvents?: number | undefined;
  /** Largest payload, as UTF-8 JSON, in bytes (the worker's default when unset: 16 MiB). */
  readonly maxPayloadBytes?: number | undefined;
  /** Explicit local-development mode: no keys are required anywhere. */
  readonly localDev: boolean;
  /** The hashed-keys file (default `keys.json` next to a SQLite hub, else `./.taskhub/keys.json`). */
  readonly keysFile: string;
  /**
   * A key that opens the management API, for tools (`TASKHUB_SYSTEM_KEY` only; default none). It is never handed out:
   * status links carry instance codes.
   */
  readonly systemKey?: string | undefined;
  /** Origin used in URLs built without a request (default `http://localhost:<port>`). */
  readonly publicUrl?: string | undefined;
  /** `connection=` in management URLs (default `Storage`, as Durable Functions). */
  readonly connectionName: string;
  /** Trust `X-Forwarded-Host` / `X-Forwarded-Proto` when forming URLs (default false). */
  readonly useForwardedHost: boolean;
  /** Bearer-token validation, when configured. */
  readonly jwt?: JwtOptions | undefined;
  /** Log one line per request (default true). */
  readonly logRequests: boolean;
  /** How long a stop waits for in-flight requests and work before releasing it (default 10 s). */
  readonly shutdownTimeoutMs: number;
  /** Lowest level logged (`--log-level` / `TASKHUB_LOG_LEVEL`, default `info`). */
  readonly logLevel: LogLevel;
  /** `json` or `pretty` (`--log-format` / `TASKHUB_LOG_FORMAT`); default: pretty on a terminal, else JSON. */
  readonly logFormat?: LogFormat | undefined;
  /**
   * The version stamped on every new instance and sub-orchestration (`--default-version` /
   * `TASKHUB_DEFAULT_VERSION`); also the worker's version unless `versioning.version` is set.
   */
  readonly defaultVersion?: string | undefined;
  /**
   * The worker's versioning (`--worker-version`, `--version-match-strategy`, `--version-failure-strategy`, or
   * `versioning.*` in the config file), when any of it is set.
   */
  readonly versioning?: VersioningOptions | undefined;
  /**
   * Serve metrics (`TASKHUB_METRICS` or `metrics` in the config file; default true): the host then registers an
   * OpenTelemetry `MeterProvider` and serves its data as Prometheus text at `GET /metrics`.
   */
  readonly metrics: boolean;
  /**
   * A separate port for `GET /metrics` (and `/healthz`, `/readyz`), without credentials, on the host's address
   * (`--metrics-port` / `TASKHUB_METRICS_PORT`; 0 picks a free one). Unset: `/metrics` is on the main port, behind the
   * management API's credentials.
   */
  readonly metricsPort?: number | undefined;
  /**
   * Also serve the Durable Task gRPC protocol (`TaskHubSidecarService`) on this port, on the host's address
   * (`--grpc-port` / `TASKHUB_GRPC_PORT`; 0 picks a free one), so that SDK workers in other languages share the hub
   * with the app: orchestrations and activities the app does not register go to them. Unset: no gRPC.
   */
  readonly grpcPort?: number | undefined;
  /**
   * Retention policies (`retention` in the config file as `[{ "status": ["Completed"], "olderThan": "7d" }]`, or
   * `--retention` / `TASKHUB_RETENTION` as `Completed,Terminated:7d;Failed:30d`; default none): finished instances
   * older than a policy's age (by creation time) are purged automatically, on one host of the fleet per run.
   */
  readonly retention: readonly RetentionPolicy[];
  /** Six-field cron schedule of retention runs (`--retention-schedule` / `TASKHUB_RETENTION_SCHEDULE`; hourly). */
  readonly retentionSchedule?: string | undefined;
}

/** A configuration error: the message names the flag, variable or file entry at fault. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

type Kind = "string" | "int" | "bool" | "policies";

interface Setting {
  readonly key: string;
  readonly flag: string;
  readonly env: string;
  readonly kind: Kind;
  readonly min?: number;
  readonly max?: number;
  /** Secrets may come from the environment only (flags show in `ps`, config files get committed). */
  readonly envOnly?: boolean;
  /** The values a string setting accepts (any when absent). */
  readonly values?: readonly string[];
}

/** Every setting, with its flag and environment variable. `jwt.*` keys nest in the config file. */
export const SETTINGS: readonly Setting[] = [
  { key: "port", flag: "port", env: "TASKHUB_PORT", kind: "int", min: 0, max: 65535 },
  { key: "host", flag: "host", env: "TASKHUB_HOST", kind: "string" },
  { key: "metrics", flag: "", env: "TASKHUB_METRICS", kind: "bool" },
  { key: "metricsPort", flag: "metrics-port", env: "TASKHUB_METRICS_PORT", kind: "int", min: 0, max: 65535 },
  { key: "grpcPort", flag: "grpc-port", env: "TASKHUB_GRPC_PORT", kind: "int", min: 0, max: 65535 },
  { key: "hub", flag: "hub", env: "TASKHUB_HUB", kind: "string" },
  { key: "postgres", flag: "postgres", env: "TASKHUB_POSTGRES_URL", kind: "string" },
  { key: "hubName", flag: "hub-name", env: "TASKHUB_HUB_NAME", kind: "string" },
  {
    key: "maxConcurrentOrchestrations",
    flag: "max-concurrent-orchestrations",
    env: "TASKHUB_MAX_CONCURRENT_ORCHESTRATIONS",
    kind: "int",
    min: 1,
    max: 100_000,
  },
  {
    key: "maxConcurrentActivities",
    flag: "max-concurrent-activities",
    env: "TASKHUB_MAX_CONCURRENT_ACTIVITIES",
    kind: "int",
    min: 1,
    max: 100_000,
  },
  {
    key: "maxDeliveryCount",
    flag: "max-delivery-count",
    env: "TASKHUB_MAX_DELIVERY_COUNT",
    kind: "int",
    min: 1,
    max: 1_000_000,
  },
  {
    key: "maxBodyBytes",
    flag: "max-body-bytes",
    env: "TASKHUB_MAX_BODY_BYTES",
    kind: "int",
    min: 1,
    max: 1024 ** 3,
  },
  {
    key: "maxOrchestrationActions",
    flag: "max-orchestration-actions",
    env: "TASKHUB_MAX_ORCHESTRATION_ACTIONS",
    kind: "int",
    min: 1,
    max: 100_000_000,
  },
  {
    key: "maxHistoryEvents",
    flag: "max-history-events",
    env: "TASKHUB_MAX_HISTORY_EVENTS",
    kind: "int",
    min: 1,
    max: 100_000_000,
  },
  {
    key: "maxPayloadBytes",
    flag: "max-payload-bytes",
    env: "TASKHUB_MAX_PAYLOAD_BYTES",
    kind: "int",
    min: 1,
    max: 1024 ** 3,
  },
  { key: "localDev", flag: "local-dev", env: "TASKHUB_LOCAL_DEV", kind: "bool" },
  { key: "keysFile", flag: "keys-file", env: "TASKHUB_KEYS_FILE", kind: "string" },
  { key: "systemKey", flag: "", env: "TASKHUB_SYSTEM_KEY", kind: "string", envOnly: true },
  { key: "publicUrl", flag: "public-url", env: "TASKHUB_PUBLIC_URL", kind: "string" },
  { key: "connectionName", flag: "connection-name", env: "TASKHUB_CONNECTION_NAME", kind: "string" },
  { key: "useForwardedHost", flag: "use-forwarded-host", env: "TASKHUB_USE_FORWARDED_HOST", kind: "bool" },
  { key: "logRequests", flag: "log-requests", env: "TASKHUB_LOG_REQUESTS", kind: "bool" },
  {
    key: "shutdownTimeoutMs",
    flag: "shutdown-timeout-ms",
    env: "TASKHUB_SHUTDOWN_TIMEOUT_MS",
    kind: "int",
    min: 0,
    max: 3_600_000,
  },
  { key: "logLevel", flag: "log-level", env: "TASKHUB_LOG_LEVEL", kind: "string", values: LOG_LEVELS },
  { key: "logFormat", flag: "log-format", env: "TASKHUB_LOG_FORMAT", kind: "string", values: LOG_FORMATS },
  { key: "defaultVersion", flag: "default-version", env: "TASKHUB_DEFAULT_VERSION", kind: "string" },
  { key: "versioning.version", flag: "worker-version", env: "TASKHUB_WORKER_VERSION", kind: "string" },
  {
    key: "versioning.matchStrategy",
    flag: "version-match-strategy",
    env: "TASKHUB_VERSION_MATCH_STRATEGY",
    kind: "string",
    values: VERSION_MATCH_STRATEGIES,
  },
  {
    key: "versioning.failureStrategy",
    flag: "version-failure-strategy",
    env: "TASKHUB_VERSION_FAILURE_STRATEGY",
    kind: "string",
    values: VERSION_FAILURE_STRATEGIES,
  },
  { key: "retention", flag: "retention", env: "TASKHUB_RETENTION", kind: "policies" },
  { key: "retentionSchedule", flag: "retention-schedule", env: "TASKHUB_RETENTION_SCHEDULE", kind: "string" },
  { key: "jwt.jwksUrl", flag: "jwt-jwks-url", env: "TASKHUB_JWT_JWKS_URL", kind: "string" },
  { key: "jwt.publicKey", flag: "", env: "TASKHUB_JWT_PUBLIC_KEY", kind: "string" },
  { key: "jwt.secret", flag: "", env: "TASKHUB_JWT_SECRET", kind: "string", envOnly: true },
  { key: "jwt.issuer", flag: "jwt-issuer", env: "TASKHUB_JWT_ISSUER", kind: "string" },
  { key: "jwt.audience", flag: "jwt-audience", env: "TASKHUB_JWT_AUDIENCE", kind: "string" },
  { key: "jwt.algorithms", flag: "jwt-algorithms", env: "TASKHUB_JWT_ALGORITHMS", kind: "string" },
  { key: "jwt.adminRole", flag: "jwt-admin-role", env: "TASKHUB_JWT_ADMIN_ROLE", kind: "string" },
  { key: "jwt.anyIssuer", flag: "jwt-any-issuer", env: "TASKHUB_JWT_ANY_ISSUER", kind: "bool" },
];

/** Where settings come from. */
export interface ConfigSources {
  /** Parsed flags, by flag name (`port`, `hub-name`...), as strings or booleans. */
  readonly flags: Readonly<Record<string, string | boolean | undefined>>;
  readonly env: NodeJS.ProcessEnv;
  /** Explicit config file (`--config`); otherwise `TASKHUB_CONFIG`, then `./taskhub.config.json` when present. */
  readonly configFile?: string | undefined;
  /** Defaults that differ by command (weaker than the flags, the environment and the config file). */
  readonly defaults?: Partial<Record<string, string | number | boolean>>;
  /** Directory relative paths resolve against (default: the current directory). */
  readonly cwd?: string;
}

/** Resolves the host configuration: flags > environment > config file > defaults. */
export function resolveConfig(sources: ConfigSources): HostConfig {
  const cwd = sources.cwd ?? process.cwd();
  const file = loadConfigFile(sources, cwd);
  const values = new Map<string, string | number | boolean>();
  /** Where each value came from: 3 flag, 2 environment, 1 config file, 0 default. */
  const ranks = new Map<string, number>();
  /** Where each value came from, for messages (`--hub`, `TASKHUB_HUB`...). */
  const origins = new Map<string, string>();
  for (const setting of SETTINGS) {
    const flag = setting.flag ? sources.flags[setting.flag] : undefined;
    const env = sources.env[setting.env];
    const fromFile = lookup(file.values, setting.key);
    if (setting.envOnly && fromFile !== undefined)
      throw new ConfigError(
        `${setting.key} is a secret: set it with the ${setting.env} environment variable, not in ${file.path}.`,
      );
    const [raw, origin] =
      flag !== undefined
        ? [flag, `--${setting.flag}`]
        : env !== undefined && env !== ""
          ? [env, setting.env]
          : fromFile !== undefined
            ? [fromFile, `'${setting.key}' in ${file.path}`]
            : [sources.defaults?.[setting.key], "default"];
    if (raw === undefined) continue;
    values.set(setting.key, convert(setting, raw, origin));
    origins.set(setting.key, origin);
    ranks.set(
      setting.key,
      flag !== undefined ? 3 : env !== undefined && env !== "" ? 2 : fromFile !== undefined ? 1 : 0,
    );
  }
  const get = <T extends string | number | boolean>(key: string): T | undefined =>
    values.get(key) as T | undefined;
  const hub = selectHub(values, ranks, origins, sources.env, cwd);
  const jwt = jwtOptions(values, origins);
  const localDev = get<boolean>("localDev") ?? false;
  const explicitHost = (ranks.get("host") ?? 0) > 0 ? get<string>("host") : undefined;
  const host = explicitHost ?? (localDev ? "127.0.0.1" : (get<string>("host") ?? "0.0.0.0"));
  const publicUrl = get<string>("publicUrl");
  if (publicUrl !== undefined && !/^https?:\/\/[^/?#]+\/?$/i.test(publicUrl))
    throw new ConfigError(`publicUrl must be an origin such as https://example.com (got '${publicUrl}').`);
  return {
    port: get<number>("port") ?? 7071,
    host,
    hub,
    hubName: get<string>("hubName") ?? "taskhub",
    maxConcurrentOrchestrations: get<number>("maxConcurrentOrchestrations"),
    maxConcurrentActivities: get<number>("maxConcurrentActivities"),
    maxDeliveryCount: get<number>("maxDeliveryCount"),
    maxBodyBytes: get<number>("maxBodyBytes") ?? DEFAULT_MAX_BODY_BYTES,
    maxOrchestrationActions: get<number>("maxOrchestrationActions"),
    maxHistoryEvents: get<number>("maxHistoryEvents"),
    maxPayloadBytes: get<number>("maxPayloadBytes"),
    localDev,
    keysFile: resolve(cwd, get<string>("keysFile") ?? defaultKeysFile(hub)),
    systemKey: get<string>("systemKey"),
    publicUrl: publicUrl?.replace(/\/$/, ""),
    connectionName: get<string>("connectionName") ?? "Storage",
    useForwardedHost: get<boolean>("useForwardedHost") ?? false,
    jwt,
    logRequests: get<boolean>("logRequests") ?? true,
    shutdownTimeoutMs: get<number>("shutdownTimeoutMs") ?? 10_000,
    logLevel: get<LogLevel>("logLevel") ?? "info",
    logFormat: get<LogFormat>("logFormat"),
    defaultVersion: get<string>("defaultVersion"),
    versioning: versioningOptions(values),
    metrics: get<boolean>("metrics") ?? true,
    metricsPort: get<number>("metricsPort"),
    grpcPort: get<number>("grpcPort"),
    retention: retentionPolicies(get<string>("retention"), origins.get("retention")),
    retentionSchedule: checkedSchedule(get<string>("retentionSchedule"), origins.get("retentionSchedule")),
  };
}

/** The retention policies of the `retention` setting (a JSON text or the one-line form), checked. */
function retentionPolicies(raw: string | undefined, origin = "retention"): RetentionPolicy[] {
  if (raw === undefined) return [];
  try {
    return parseRetentionPolicies(raw);
  } catch (error) {
    throw new ConfigError(`${origin}: ${(error as Error).message}`);
  }
}

function checkedSchedule(raw: string | undefined, origin = "retentionSchedule"): string | undefined {
  if (raw === undefined) return undefined;
  try {
    return CronSchedule.parse(raw).expression;
  } catch (error) {
    throw new ConfigError(`${origin}: ${(error as Error).message}`);
  }
}

/** The worker's versioning settings (`versioning.*`), when any is set. */
function versioningOptions(
  values: ReadonlyMap<string, string | number | boolean>,
): VersioningOptions | undefined {
  const version = values.get("versioning.version") as string | undefined;
  const matchStrategy = values.get("versioning.matchStrategy") as VersionMatchStrategy | undefined;
  const failureStrategy = values.get("versioning.failureStrategy") as VersionFailureStrategy | undefined;
  if (version === undefined && matchStrategy === undefined && failureStrategy === undefined) return undefined;
  return {
    ...(version !== undefined ? { version } : {}),
    ...(matchStrategy !== undefined ? { matchStrategy } : {}),
    ...(failureStrategy !== undefined ? { failureStrategy } : {}),
  };
}

/**
 * The bearer-token settings (`jwt.*`), when any is set besides `jwt.anyIssuer`.
 * @throws ConfigError when the issuer or the audience is missing and `jwt.anyIssuer` is not set: tokens from any
 * issuer, for any API, would be accepted (and with `jwt.adminRole` get admin access).
 */
function jwtOptions(
  values: ReadonlyMap<string, string | number | boolean>,
  origins: ReadonlyMap<string, string>,
): JwtOptions | undefined {
  const entries = [...values].filter(([k]) => k.startsWith("jwt.") && k !== "jwt.anyIssuer");
  if (entries.length === 0) return undefined;
  const strings = Object.fromEntries(entries.map(([k, v]) => [k.slice(4), v])) as Record<string, string>;
  const options: JwtOptions = {
    ...strings,
    algorithms: strings.algorithms
      ?.split(",")
      .map((a) => a.trim())
      .filter(Boolean),
    anyIssuer: values.get("jwt.anyIssuer") === true,
  };
  const unchecked = uncheckedClaims(options);
  if (unchecked.length > 0 && !options.anyIssuer) {
    const by = entries.map(([k]) => origins.get(k) ?? k).join(", ");
    const missing = unchecked
      .map((claim) =>
        claim === "issuer"
          ? "an issuer (--jwt-issuer / TASKHUB_JWT_ISSUER)"
          : "an audience (--jwt-audience / TASKHUB_JWT_AUDIENCE)",
      )
      .join(" and ");
    const accepted = unchecked
      .map((claim) => (claim === "issuer" ? "whoever issued them" : "whatever API they are meant for"))
      .join(" and ");
    throw new ConfigError(
      `Bearer-token authentication is configured (${by}) without ${missing}: every token the key verifies ` +
        `would be accepted, ${accepted}` +
        (options.adminRole ? `, and those with the role '${options.adminRole}' would get admin access` : "") +
        `. Set ${unchecked.length > 1 ? "them" : "it"}, or pass --jwt-any-issuer (TASKHUB_JWT_ANY_ISSUER=true, ` +
        "'jwt.anyIssuer' in the config file) to accept that.",
    );
  }
  return options;
}

/**
 * The hub location: `hub` (`--hub` / `TASKHUB_HUB`) or `postgres` (`--postgres` / `TASKHUB_POSTGRES_URL`), the one
 * from the stronger source (flag > environment > file); else `DATABASE_URL` when it is a PostgreSQL URL; else the
 * default SQLite file. Resolved as {@link resolveHubLocation} says; an unsupported scheme is refused.
 */
function selectHub(
  values: ReadonlyMap<string, string | number | boolean>,
  ranks: ReadonlyMap<string, number>,
  origins: ReadonlyMap<string, string>,
  env: NodeJS.ProcessEnv,
  cwd: string,
): string {
  const hub = values.get("hub") as string | undefined;
  const postgres = values.get("postgres") as string | undefined;
  if (postgres !== undefined && !isPostgresUrl(postgres))
    throw new ConfigError(
      `--postgres / TASKHUB_POSTGRES_URL must be a postgres:// or postgresql:// URL (got '${postgres}').`,
    );
  let selected: string;
  if (hub !== undefined && postgres !== undefined && hub !== postgres) {
    const hubRank = ranks.get("hub") ?? 0;
    const postgresRank = ranks.get("postgres") ?? 0;
    if (hubRank === postgresRank)
      throw new ConfigError(
        "Both hub (--hub / TASKHUB_HUB) and postgres (--postgres / TASKHUB_POSTGRES_URL) are set at the same level; " +
          "set only one.",
      );
    selected = hubRank > postgresRank ? hub : postgres;
  } else if (hub !== undefined) selected = hub;
  else if (postgres !== undefined) selected = postgres;
  else if (env.DATABASE_URL && isPostgresUrl(env.DATABASE_URL)) selected = env.DATABASE_URL;
  else selected = "./.taskhub/hub.db";
  try {
    return resolveHubLocation(selected, cwd);
  } catch (error) {
    throw new ConfigError(`${origins.get("hub") ?? "hub"}: ${(error as Error).message}`);
  }
}

function defaultKeysFile(hub: string): string {
  return isUrlOrMemory(hub) ? "./.taskhub/keys.json" : join(dirname(hub), "keys.json");
}

function loadConfigFile(
  sources: ConfigSources,
  cwd: string,
): { path: string; values: Record<string, unknown> } {
  const explicit = sources.configFile ?? (sources.env.TASKHUB_CONFIG || undefined);
  const path = resolve(cwd, explicit ?? "taskhub.config.json");
  if (!explicit && !existsSync(path)) return { path, values: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new ConfigError(`Cannot read config file ${path}: ${(error as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new ConfigError(`Config file ${path} must hold a JSON object.`);
  const known = new Set(SETTINGS.map((s) => s.key.split(".")[0]));
  for (const key of Object.keys(parsed))
    if (!known.has(key)) throw new ConfigError(`Unknown setting '${key}' in ${path}.`);
  return { path, values: parsed as Record<string, unknown> };
}

function lookup(values: Record<string, unknown>, key: string): unknown {
  let current: unknown = values;
  for (const part of key.split(".")) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function convert(setting: Setting, raw: unknown, origin: string): string | number | boolean {
  switch (setting.kind) {
    case "string":
      if (typeof raw !== "string" || raw === "")
        throw new ConfigError(`${origin} must be a non-empty string.`);
      if (setting.values && !setting.values.includes(raw))
        throw new ConfigError(`${origin} must be one of ${setting.values.join(", ")} (got '${raw}').`);
      return raw;
    case "policies":
      // Checked as a whole once resolved; kept as text (the one-line form, or the file's array as JSON).
      if (typeof raw === "string" && raw.trim() !== "") return raw;
      if (Array.isArray(raw)) return JSON.stringify(raw);
      throw new ConfigError(
        `${origin} must be an array of { status, olderThan } policies, or text such as "Completed,Terminated:7d;Failed:30d".`,
      );
    case "bool":
      if (typeof raw === "boolean") return raw;
      if (typeof raw === "string" && /^(true|1|yes)$/i.test(raw)) return true;
      if (typeof raw === "string" && /^(false|0|no)$/i.test(raw)) return false;
      throw new ConfigError(`${origin} must be true or false.`);
    case "int": {
      const number =
        typeof raw === "number"
          ? raw
          : typeof raw === "string" && /^\d+$/.test(raw.trim())
            ? Number(raw)
            : NaN;
      if (
        !Number.isSafeInteger(number) ||
        number < (setting.min ?? 0) ||
        number > (setting.max ?? Number.MAX_SAFE_INTEGER)
      )
        throw new ConfigError(
          `${origin} must be an integer from ${setting.min ?? 0} to ${setting.max} (got ${JSON.stringify(raw)}).`,
        );
      return number;
    }
  }
}
