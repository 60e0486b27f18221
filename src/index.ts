/**
 * Taskhub: durable functions for TypeScript.
 *
 * Orchestrations are ordinary `async` functions rebuilt by replaying an event-sourced history; activities do the
 * I/O; a task hub (SQLite or PostgreSQL) stores everything.
 * @module
 */
export { DurableApp, type DurableHost, type StartAppOptions } from "./app/durable-app.js";
export type {
  ActivityContext,
  ActivityDefinition,
  ActivityHandler,
  ActivityOptions,
  InputOf,
  GeneratorOrchestratorHandler,
  OrchestrationDefinition,
  OrchestratorHandler,
  OutputOf,
} from "./api/definitions.js";
export {
  DurableClient,
  type DurableClientOptions,
  type GetStatusOptions,
  type InstanceIdsPage,
  type StartOptions,
  type TerminateOptions,
  type WaitOptions,
} from "./client/durable-client.js";
export type { OrchestrationStatus } from "./client/orchestration-status.js";
export { MAX_TAGS, MAX_TAG_KEY_LENGTH, MAX_TAG_VALUE_LENGTH, type InstanceTags } from "./core/tags.js";
export * from "./core/errors.js";
export {
  DEFAULT_MAX_HISTORY_EVENTS,
  DEFAULT_MAX_ORCHESTRATION_ACTIONS,
  DEFAULT_MAX_PAYLOAD_BYTES,
} from "./core/limits.js";
export { toFailureDetails, describeFailure, type FailureDetails } from "./core/failure.js";
export type * from "./core/history-event.js";
export { parseTraceParent, type TraceContext, type TraceParentParts } from "./core/trace-context.js";
export { DurableIdGenerator } from "./tracing/span-ids.js";
export { TRACER_NAME } from "./tracing/tracer.js";
export { validateInstanceId, newInstanceId } from "./core/instance-id.js";
export { RetryPolicy, type RetryPolicyOptions } from "./core/retry-policy.js";
export { compareVersions, type VersionOrder } from "./core/version-compare.js";
export type { VersionFailureStrategy, VersionMatchStrategy, VersioningOptions } from "./core/versioning.js";
export {
  RUNTIME_STATUSES,
  TERMINAL_STATUSES,
  isTerminalStatus,
  isRuntimeStatus,
  type RuntimeStatus,
} from "./core/runtime-status.js";
export { resultOf, type OrchestratorGenerator } from "./api/generator-orchestrator.js";
export { DurableTask, TimerTask, WhenAnyTask, type TaskState, type Winner } from "./api/durable-task.js";
export type {
  CallActivityOptions,
  CallSubOrchestratorOptions,
  ContinueAsNewOptions,
  OrchestrationContext,
  ParentInfo,
  WaitForEventOptions,
} from "./api/orchestration-context.js";
export type { LockHandle } from "./api/orchestration-context.js";
export {
  HTTP_ACTIVITY,
  DEFAULT_HTTP_POLL_MS,
  type DurableHttpRequest,
  type DurableHttpResponse,
} from "./api/durable-http.js";
export { EntityId, entityId, type EntityRef } from "./core/entity-id.js";
export type {
  ClassEntityOperations,
  ClassEntityState,
  EntityContext,
  EntityDefinition,
  EntityOperation,
  EntityOperations,
  EntityQueries,
  EntityQueryHandler,
  EntityReadContext,
  EntitySpec,
  EntityStartOptions,
  EntityStateOf,
  FunctionEntityOperations,
  OperationArgs,
  OperationMap,
  OperationName,
  OperationOutput,
  OperationSignature,
  OperationsOf,
  SignalArgs,
  SignalEntityOptions,
} from "./api/entity-definition.js";
export {
  EntityClient,
  type CleanEntityStorageOptions,
  type CleanEntityStorageResult,
  type EntityMetadata,
  type EntityPage,
  type EntityQuery,
  type EntityStateResponse,
  type ReadEntityStateMethod,
  type SignalEntityMethod,
} from "./entities/entity-client.js";
export type { LogSink, ReplaySafeLogger } from "./api/replay-safe-logger.js";
export { executeOrchestration } from "./orchestration/executor.js";
export type { EpisodeResult, ExecutionOutcome } from "./orchestration/episode.js";
export { sqliteTaskHub, type SqliteTaskHubOptions } from "./sql/sqlite/sqlite-task-hub.js";
export { postgresTaskHub, type PostgresTaskHubOptions } from "./sql/postgres/postgres-task-hub.js";
export type { PostgresMaintenanceOptions } from "./sql/postgres/pg-maintenance.js";
export type { MaintenanceRound } from "./sql/hub-maintenance.js";
export {
  memoryTaskHub,
  MemoryTaskHub,
  type MemoryTaskHubOptions,
  type MemoryWorkState,
} from "./memory/memory-task-hub.js";
export type * from "./task-hub/task-hub.js";
export { hasHealth, statsOf, type TaskHubHealth } from "./task-hub/health.js";
export {
  analyticsOf,
  FAILURE_MESSAGE_CHARS,
  hasAnalytics,
  type AnalyticsQuery,
  type DurationSummary,
  type FailureCount,
  type FailureTypeCount,
  type HubAnalytics,
  type NameAnalytics,
  type SlowRun,
  type TaskHubAnalytics,
} from "./task-hub/analytics.js";
export {
  AnalyticsQueryError,
  analyticsQuery,
  bucketSizeFor,
  checkAnalyticsQuery,
  DEFAULT_TOP,
  DEFAULT_WINDOW_MS,
  MAX_BUCKETS,
  MAX_TOP,
  parseDuration,
  parseTimePoint,
  type AnalyticsQueryText,
} from "./task-hub/analytics-window.js";
export { ANALYTICS_FORMAT, analyticsReport } from "./task-hub/analytics-report.js";
export {
  hasLocalDispatch,
  type DispatchRequest,
  type DispatchResults,
  type Dispatched,
  type FastPathCompletion,
  type LocalDispatchCapability,
} from "./task-hub/local-dispatch.js";
export { isActivityWorkItem } from "./core/records.js";
export { systemClock, type Clock } from "./task-hub/clock.js";
export { Worker, type WorkerOptions } from "./worker/worker.js";
export {
  exitOnUncaughtErrors,
  UNCAUGHT_ERROR_EXIT_CODE,
  type UncaughtErrorOptions,
} from "./worker/uncaught-errors.js";
export type { WorkTracking } from "./worker/work-scope.js";
export {
  HttpDurableClient,
  type CheckStatusOptions,
  type HttpManagementOptions,
  type WaitOrCheckStatusOptions,
} from "./http/http-management.js";
export type {
  HttpHandler,
  HttpMethod,
  HttpTriggerContext,
  HttpTriggerDefinition,
  HttpTriggerOptions,
} from "./http/http-trigger.js";
export type { CheckStatusPayload, HttpManagementPayload } from "./http/management-urls.js";
export type { AuthLevel } from "./http/auth/authorizer.js";
export type { JwtOptions, Principal } from "./http/auth/jwt.js";
export type {
  TimerContext,
  TimerDefinition,
  TimerHandler,
  TimerInfo,
  TimerTriggerOptions,
} from "./schedules/timer-trigger.js";
export { parseRetentionPolicies, parseAge, type RetentionPolicy } from "./schedules/retention-policy.js";
export {
  enableRetention,
  disableRetention,
  runRetention,
  RETENTION_TIMER,
  RETENTION_PURGED_METRIC,
  DEFAULT_RETENTION_SCHEDULE,
  DEFAULT_RETENTION_BATCH,
  DEFAULT_RETENTION_PAUSE_MS,
  type RetentionOptions,
  type RetentionRunOptions,
  type RetentionRunResult,
} from "./schedules/retention.js";
export { startHost, type RunningHost } from "./host/host.js";
export { DashboardHubError, startDashboardServer, type RunningDashboard } from "./host/dashboard-server.js";
export { resolveConfig, type HostConfig } from "./host/config.js";
