/**
 * The CLI's help text.
 * @module
 */

/** `taskhub --help`. */
export const USAGE = `Usage:
  taskhub start <app module> [options]   Run the app's worker and HTTP server
  taskhub dev <app module> [options]     Same, in local-dev mode (no keys, 127.0.0.1), reloading on file changes
  taskhub keys create [--name N] [--admin] [--keys-file F]   Create a function (or admin) key; prints it once
  taskhub keys list [--keys-file F]                           List keys (names and scopes, never secrets)
  taskhub keys revoke <name> [--keys-file F]                  Revoke a key
  taskhub health [--hub PATH | --postgres URL] [--hub-name N]  Print the hub's health as JSON: workers seen,
                                                              queue depths, oldest pending work item, lease takeovers

Options of start / dev / health (flags > environment variables > config file > defaults):
  --port N                          TASKHUB_PORT                          (default 7071)
  --host H                          TASKHUB_HOST                          (default 0.0.0.0; dev: 127.0.0.1)
  --hub PATH|postgres://...         TASKHUB_HUB                           (default ./.taskhub/hub.db)
  --postgres postgres://...         TASKHUB_POSTGRES_URL                  (PostgreSQL hub; else DATABASE_URL if
                                                                          it is a postgres:// URL)
  --hub-name NAME                   TASKHUB_HUB_NAME                      (default taskhub)
  --max-concurrent-orchestrations N TASKHUB_MAX_CONCURRENT_ORCHESTRATIONS (default 200)
  --max-concurrent-activities N     TASKHUB_MAX_CONCURRENT_ACTIVITIES     (default 200)
  --max-body-bytes N                TASKHUB_MAX_BODY_BYTES                (default 1048576)
  --local-dev                       TASKHUB_LOCAL_DEV                     (no keys required)
  --keys-file F                     TASKHUB_KEYS_FILE                     (default keys.json next to the hub)
                                    TASKHUB_SYSTEM_KEY                    (system key in management URLs)
  --public-url URL                  TASKHUB_PUBLIC_URL
  --connection-name NAME            TASKHUB_CONNECTION_NAME               (default Storage)
  --use-forwarded-host              TASKHUB_USE_FORWARDED_HOST
  --no-request-log                  TASKHUB_LOG_REQUESTS=false
  --log-level L                     TASKHUB_LOG_LEVEL                     (trace, debug, info, warn, error, fatal,
                                                                          silent; default info)
  --log-format json|pretty          TASKHUB_LOG_FORMAT                    (default pretty on a terminal and in dev,
                                                                          else JSON lines)
  --shutdown-timeout-ms N           TASKHUB_SHUTDOWN_TIMEOUT_MS           (default 10000)
  --jwt-jwks-url URL                TASKHUB_JWT_JWKS_URL    (or TASKHUB_JWT_PUBLIC_KEY / TASKHUB_JWT_SECRET)
  --jwt-issuer ISS                  TASKHUB_JWT_ISSUER
  --jwt-audience AUD                TASKHUB_JWT_AUDIENCE
  --jwt-algorithms A,B              TASKHUB_JWT_ALGORITHMS
  --jwt-admin-role ROLE             TASKHUB_JWT_ADMIN_ROLE
  --config FILE                     TASKHUB_CONFIG                        (default ./taskhub.config.json)
`;
