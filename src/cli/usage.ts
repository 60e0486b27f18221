/**
 * The CLI's help texts: an overview (`taskhub --help`) and one per command (`taskhub <command> --help`).
 * @module
 */
import type { CommandName } from "./command-line.js";

/** `taskhub --help`. */
export const USAGE = `Usage: taskhub <command> [options]

Commands:
  start <app module>   Run the app's worker and HTTP server
  dev <app module>     Same, in local-dev mode (no keys, 127.0.0.1), reloading on file changes
  dashboard            Serve the web dashboard (and the management API) on a hub, without a worker
  keys <action>        Create, list or revoke function and admin keys
  health               Print the task hub's health as JSON
  replay-check <app>   Replay stored histories against the app's current code (before deploying it)
  history export <id>  Write an instance's history as a JSON file (for replayHistories in a test)
  stats                Analytics over history: counts, failures, durations, throughput per name
  instances <action>   List, show, raise events to, terminate, suspend, resume, rewind, restart or purge instances
  sidecar              Serve the Durable Task gRPC protocol on a hub, for the Durable Task SDKs' workers and clients

'taskhub <command> --help' shows a command's options; 'taskhub --version' prints the version.
`;

/** The options of `taskhub start` and `taskhub dev`. */
export const HOST_OPTIONS = `Options (flags > environment variables > config file > defaults):
  --port N                          TASKHUB_PORT                          (default 7071)
  --host H                          TASKHUB_HOST                          (default 0.0.0.0; local-dev: 127.0.0.1)
  --metrics-port N                  TASKHUB_METRICS_PORT                  (serve /metrics there, without keys;
                                                                          default: on --port, with the management
                                                                          API's keys)
                                    TASKHUB_METRICS=false                 (no metrics, no /metrics)
  --grpc-port N                     TASKHUB_GRPC_PORT                     (also serve the Durable Task gRPC protocol
                                                                          there: SDK workers run what the app does
                                                                          not register; default: no gRPC)
  --hub PATH|postgres://...         TASKHUB_HUB                           (default ./.taskhub/hub.db)
  --postgres postgres://...         TASKHUB_POSTGRES_URL                  (PostgreSQL hub; else DATABASE_URL if
                                                                          it is a postgres:// URL)
  --hub-name NAME                   TASKHUB_HUB_NAME                      (default taskhub)
  --max-concurrent-orchestrations N TASKHUB_MAX_CONCURRENT_ORCHESTRATIONS (default 200)
  --max-concurrent-activities N     TASKHUB_MAX_CONCURRENT_ACTIVITIES     (default 200)
  --max-delivery-count N            TASKHUB_MAX_DELIVERY_COUNT            (default 10; then work that keeps
                                                                          crashing workers is quarantined)
  --retention POLICIES              TASKHUB_RETENTION                     (purge finished instances, e.g.
                                                                          "Completed,Terminated:7d;Failed:30d";
                                                                          default none)
  --retention-schedule CRON         TASKHUB_RETENTION_SCHEDULE            (six-field cron of retention runs;
                                                                          default "0 0 * * * *", hourly)
  --max-body-bytes N                TASKHUB_MAX_BODY_BYTES                (default 1048576)
  --max-payload-bytes N             TASKHUB_MAX_PAYLOAD_BYTES             (default 16777216: inputs, outputs,
                                                                          event data, custom status, entity state)
  --max-orchestration-actions N     TASKHUB_MAX_ORCHESTRATION_ACTIONS     (default 100000 per execution)
  --max-history-events N            TASKHUB_MAX_HISTORY_EVENTS            (default 500000 per execution)
  --local-dev                       TASKHUB_LOCAL_DEV                     (no keys required)
  --keys-file F                     TASKHUB_KEYS_FILE                     (default keys.json next to the hub)
                                    TASKHUB_SYSTEM_KEY                    (a key for the management API only;
                                                                          never handed out in URLs)
  --public-url URL                  TASKHUB_PUBLIC_URL
  --connection-name NAME            TASKHUB_CONNECTION_NAME               (default Storage)
  --use-forwarded-host              TASKHUB_USE_FORWARDED_HOST
  --no-request-log                  TASKHUB_LOG_REQUESTS=false
  --log-level L                     TASKHUB_LOG_LEVEL                     (trace, debug, info, warn, error, fatal,
                                                                          silent; default info)
  --log-format json|pretty          TASKHUB_LOG_FORMAT                    (default pretty on a terminal and in dev,
                                                                          else JSON lines)
  --shutdown-timeout-ms N           TASKHUB_SHUTDOWN_TIMEOUT_MS           (default 10000)
  --default-version V               TASKHUB_DEFAULT_VERSION               (stamped on new instances and
                                                                          sub-orchestrations; the worker's version)
  --worker-version V                TASKHUB_WORKER_VERSION                (default: the default version)
  --version-match-strategy S        TASKHUB_VERSION_MATCH_STRATEGY        (None, Strict, CurrentOrOlder; default
                                                                          CurrentOrOlder when a version is set)
  --version-failure-strategy S      TASKHUB_VERSION_FAILURE_STRATEGY      (Reject: leave for a compatible worker,
                                                                          the default; Fail: fail the instance)
  --jwt-jwks-url URL                TASKHUB_JWT_JWKS_URL    (or TASKHUB_JWT_PUBLIC_KEY / TASKHUB_JWT_SECRET)
  --jwt-issuer ISS                  TASKHUB_JWT_ISSUER
  --jwt-audience AUD                TASKHUB_JWT_AUDIENCE
  --jwt-algorithms A,B              TASKHUB_JWT_ALGORITHMS
  --jwt-admin-role ROLE             TASKHUB_JWT_ADMIN_ROLE
  --jwt-any-issuer                  TASKHUB_JWT_ANY_ISSUER                (accept tokens without an issuer or
                                                                          audience configured; else refused)
  --config FILE                     TASKHUB_CONFIG                        (default ./taskhub.config.json)
`;

/** `taskhub <command> --help`, by command. */
export const COMMAND_USAGE: Readonly<Record<CommandName, string>> = {
  start: `Usage: taskhub start <app module> [options]

Runs the app's worker (orchestrations, activities, entities, timers) and its HTTP server on one task hub. The app
module (TypeScript or JavaScript) exports its DurableApp as the default export or as 'app'. SIGINT / SIGTERM stop
it gracefully.

${HOST_OPTIONS}`,
  dev: `Usage: taskhub dev <app module> [options]

Runs 'taskhub start' in local-dev mode (no keys required; listening on 127.0.0.1 unless a host is set) and restarts
it when a source file under the current directory changes (node_modules, .git, .taskhub, dist and coverage are not
watched).

${HOST_OPTIONS}`,
  dashboard: `Usage: taskhub dashboard [options]

Serves the web dashboard at /dashboard/ (instances, history and timeline, entities, stats, actions) and the
management API it calls, on an existing task hub, without running a worker: the hub's hosts run the work. Sign in
with an admin key (see taskhub keys) or a bearer token with the admin role, unless --local-dev. Never
creates or upgrades a hub. SIGINT / SIGTERM stop it.

Options (flags > environment variables > config file > defaults):
  --hub PATH|postgres://...   TASKHUB_HUB            (default ./.taskhub/hub.db)
  --postgres postgres://...   TASKHUB_POSTGRES_URL   (else DATABASE_URL if it is a postgres:// URL)
  --hub-name NAME             TASKHUB_HUB_NAME       (default taskhub)
  --port N                    TASKHUB_PORT           (default 7071)
  --host H                    TASKHUB_HOST           (default 0.0.0.0; with --local-dev 127.0.0.1)
  --local-dev                 TASKHUB_LOCAL_DEV      (no keys required)
  --keys-file F               TASKHUB_KEYS_FILE      (default keys.json next to the hub)
  --jwt-jwks-url, --jwt-issuer, --jwt-audience, --jwt-algorithms, --jwt-admin-role, --jwt-any-issuer
                              Bearer tokens, as for taskhub start
  --public-url URL, --use-forwarded-host, --no-request-log, --log-level L, --log-format F, --max-body-bytes N,
  --max-payload-bytes N, --default-version V, --shutdown-timeout-ms N, --connection-name NAME
                              As for taskhub start
  --config FILE               TASKHUB_CONFIG         (default ./taskhub.config.json)
`,
  keys: `Usage:
  taskhub keys create [<name>] [--admin]   Create a function key (an admin key with --admin); prints it once
  taskhub keys list                        List the keys (names and scopes, never secrets)
  taskhub keys revoke <name>               Revoke a key
  taskhub keys rotate-instance-codes       Void every status link handed out so far (new links get new codes)

Keys are stored hashed; a running host sees changes at once. Status links carry an instance code: it opens the
management routes of its own instance only (status, raise event, terminate, suspend, resume, rewind, restart,
purge), signed with a secret kept in the keys file.

Options:
  --name NAME       The key's name (default 'default', or 'admin' with --admin)
  --admin           An admin key: opens the management API and every function
  --keys-file F     TASKHUB_KEYS_FILE   (default keys.json next to the SQLite hub, else ./.taskhub/keys.json)
  --hub PATH        TASKHUB_HUB         (the SQLite hub whose folder holds the default keys file)
  --config FILE     TASKHUB_CONFIG      (default ./taskhub.config.json)
`,
  health: `Usage: taskhub health [options]

Prints the task hub's health as JSON: hubReachable and ready (some worker alive, as a host's GET /readyz), workers
seen and whether they are alive, queue depths, leases held, the oldest pending work item, lease takeovers. Exits 1
when the hub cannot be read. Only reads the hub: fails when there is none, never creates or upgrades one.

Options (flags > environment variables > config file > defaults):
  --hub PATH|postgres://...   TASKHUB_HUB            (default ./.taskhub/hub.db)
  --postgres postgres://...   TASKHUB_POSTGRES_URL   (else DATABASE_URL if it is a postgres:// URL)
  --hub-name NAME             TASKHUB_HUB_NAME       (default taskhub)
  --config FILE               TASKHUB_CONFIG         (default ./taskhub.config.json)
`,
  "replay-check": `Usage: taskhub replay-check <app module> [options]

Replays the stored histories of the hub's instances against the orchestrator code of the app module, as a worker
would replay them, without running activities or writing anything. Run it before deploying changed code: an
instance the code no longer matches would fail with a NonDeterminismError. Prints one line per diverging instance,
naming the call history recorded and the call the code makes now, then a summary: instances replayed, diverged
and skipped (entities; instances whose orchestrator the app no longer registers; instances not started yet).
Histories that end with work pending (timers, activities, events awaited) are fine.

Exit code: 0 when every instance replays, 1 when one diverges, 2 on an error (a wrong command line, an app that
does not load, a hub that cannot be read).

Options:
  --status S,S...             Instances in these statuses (default: Pending,Running,Suspended,ContinuedAsNew,
                              every instance not finished; also Completed, Failed, Terminated)
  --name NAME                 Instances of this orchestrator only
  --since DATE                Instances created at or after DATE (2024-05-01, 2024-05-01T08:00:00Z; UTC unless
                              an offset is given)
  --limit N                   At most N instances (the oldest first)
  --json                      Print a JSON report instead (format "taskhub-replay-check/1")
  --hub PATH|postgres://...   TASKHUB_HUB            (default ./.taskhub/hub.db)
  --postgres postgres://...   TASKHUB_POSTGRES_URL   (else DATABASE_URL if it is a postgres:// URL)
  --hub-name NAME             TASKHUB_HUB_NAME       (default taskhub)
  --max-orchestration-actions N, --max-history-events N, --max-payload-bytes N
                              The workers' limits, if they are not the defaults (TASKHUB_MAX_*)
  --config FILE               TASKHUB_CONFIG         (default ./taskhub.config.json)
`,
  stats: `Usage: taskhub stats [options]

For each orchestration name and each activity name over a window of time: counts by status, the failure rate,
p50 / p95 / p99 and max durations, the slowest instances, the most frequent failures and the throughput per time
bucket. Orchestrations count when they finished in the window (from creation to completion), or were created in it
and have not finished; activity attempts when they ended in it (from TaskScheduled to TaskCompleted / TaskFailed).
Only reads the hub.

Options:
  --since WHEN                Start of the window (default 24h): a time ago (30m, 24h, 7d, 2w), 'now', or an ISO
                              date or date-time (2026-01-01, 2026-01-01T08:00:00Z; UTC unless an offset is given)
  --until WHEN                End of the window (default now), as --since
  --name NAME                 One orchestration or activity name only
  --top N                     Slowest instances and failures listed per name (default 5, at most 100)
  --bucket LENGTH             Throughput bucket length (default from the window: 1h for a day, 5m for an hour)
  --json                      Print the JSON report (format "taskhub-stats/1", as GET .../durabletask/stats)
  --hub PATH|postgres://...   TASKHUB_HUB            (default ./.taskhub/hub.db)
  --postgres postgres://...   TASKHUB_POSTGRES_URL   (else DATABASE_URL if it is a postgres:// URL)
  --hub-name NAME             TASKHUB_HUB_NAME       (default taskhub)
  --config FILE               TASKHUB_CONFIG         (default ./taskhub.config.json)
`,
  history: `Usage: taskhub history export <instance ID> [options] > history.json

Writes the instance's current history on standard output as a history file: JSON with "format":
"taskhub-history/1", the instance ("instanceId", "name", "executionId", "status", times) and its history events as
stored. replayHistories(app, files) from taskhub/testing replays such files against the app's code in a unit test.
Only reads the hub.

Options:
  --hub PATH|postgres://...   TASKHUB_HUB            (default ./.taskhub/hub.db)
  --postgres postgres://...   TASKHUB_POSTGRES_URL   (else DATABASE_URL if it is a postgres:// URL)
  --hub-name NAME             TASKHUB_HUB_NAME       (default taskhub)
  --config FILE               TASKHUB_CONFIG         (default ./taskhub.config.json)
`,
  sidecar: `Usage: taskhub sidecar [options]

Serves the Durable Task gRPC protocol (TaskHubSidecarService) on a task hub, so that the Durable Task SDKs
(durabletask-js, .NET, Python, Java, Go) run their orchestrations, activities and entities on it and their clients
manage its instances. The management HTTP API, the dashboard and the health routes are served on the HTTP port.
SIGINT / SIGTERM stop it gracefully (work in progress on the SDK workers is released for redelivery).

${withoutOptions(HOST_OPTIONS, ["port", "grpc-port"])
  .replace("(default 0.0.0.0; local-dev: 127.0.0.1)", "(default 127.0.0.1)")
  .replace("default: on --port, with", "default: on the HTTP port, with")
  .replace(
    "defaults):\n",
    `defaults):
  --port N                          the gRPC port                         (default 4001; 0: a free one)
  --http-port N                     the HTTP port                         (default 0: a free one, printed at start)
`,
  )}`,
  instances: `Usage: taskhub instances <action> [arguments] [options]

Actions:
  list                        List orchestration instances, oldest first (one page, or every page with --all)
  show <id>                   An instance's status, tags, input, output and failure (--history: its history)
  raise <id> <event> [json]   Raise an event with JSON data (default null)
  terminate <id>              Terminate a running instance and its sub-orchestrations (--reason TEXT;
                              --recursive, the default; --no-recursive: the instance alone)
  suspend <id>, resume <id>   Suspend or resume a running instance (--reason TEXT)
  rewind <id>                 Run a Failed instance again from where it failed (--reason TEXT)
  restart <id>                Start the instance again with its input, under a new ID (--same-id: the same one)
  purge <id>                  Delete a finished instance and its history
  purge [filters]             Delete finished instances matching --status and --created-before (or --created-to),
                              --created-from, --name, --prefix, --version, --tag, printing progress and the count

Filters of list and purge:
  --status S,S                Runtime statuses (Pending, Running, Suspended, Completed, Failed, Terminated)
  --name NAME                 Orchestration name (exact)
  --prefix P                  Instance ID prefix
  --created-from WHEN         Created at or after (ISO date or date-time; UTC unless an offset is given)
  --created-to WHEN           Created at or before (--created-before is the same)
  --version V                 Instance version (exact)
  --tag KEY=VALUE             A tag the instances carry (repeat for several: all must match)

Options:
  --json                      Print JSON (list: {"instances": [...], "continuationToken"}, show: the status)
  --all                       list: every page (else one page, and the command to get the next one)
  --page-size N               list: instances per page (default 100, at most 1000)
  --continuation-token T      list: the page after the one that printed this token
  --hub PATH|postgres://...   TASKHUB_HUB            (default ./.taskhub/hub.db)
  --postgres postgres://...   TASKHUB_POSTGRES_URL   (else DATABASE_URL if it is a postgres:// URL)
  --hub-name NAME             TASKHUB_HUB_NAME       (default taskhub)
  --config FILE               TASKHUB_CONFIG         (default ./taskhub.config.json)

Exit codes: 0 done; 1 the operation failed (no such instance, the instance in the wrong state, the hub unreadable),
with one line on stderr; 2 a wrong command line.
`,
};

/** `options` (a usage block) without the entries of `flags` (each entry: its line and its continuation lines). */
function withoutOptions(options: string, flags: readonly string[]): string {
  const kept: string[] = [];
  let skipping = false;
  for (const line of options.split("\n")) {
    const flag = /^ {2}--([a-z][a-z-]*)/.exec(line)?.[1];
    if (flag !== undefined || /^ {2}\S/.test(line)) skipping = flag !== undefined && flags.includes(flag);
    if (!skipping) kept.push(line);
  }
  return kept.join("\n");
}
