/**
 * Timer triggers: `app.timer(name, { schedule }, handler)`. The handler runs once per occurrence of the schedule
 * across every host sharing the task hub (see `schedule-orchestration.ts` for how, and for the missed-occurrence
 * policy).
 * @module
 */
import type { FunctionTable, Registry } from "../api/registry.js";
import type { DurableClient } from "../client/durable-client.js";
import { InvalidArgumentError } from "../core/errors.js";
import type { LogSink } from "../core/logger.js";
import { CronSchedule } from "./cron-schedule.js";

/** Options of `app.timer`. */
export interface TimerTriggerOptions {
  /** Six-field cron expression: `{second} {minute} {hour} {day} {month} {day-of-week}`, e.g. `0 0 2 * * MON`. */
  readonly schedule: string;
  /** IANA time zone the schedule is read in (default `UTC`, as Azure Functions). */
  readonly timeZone?: string;
}

/** What a timer handler gets, shaped like Azure Functions' `Timer`. */
export interface TimerInfo {
  /** The occurrence this run is for. */
  readonly scheduledTime: Date;
  /** True when the run started late: occurrences were missed (downtime) or it is over a minute behind. */
  readonly isPastDue: boolean;
  readonly scheduleStatus: {
    /** The previous occurrence that ran, if any. */
    readonly last?: Date | undefined;
    /** The next occurrence. */
    readonly next: Date;
    /** When this status was computed. */
    readonly lastUpdated: Date;
  };
}

/** The context of one timer run. */
export interface TimerContext {
  /** The timer's name. */
  readonly name: string;
  /** The same on every redelivery of this occurrence: use it to make side effects idempotent. */
  readonly idempotencyKey: string;
  /** A client on the hub that runs the schedule. */
  readonly client: DurableClient;
  /** The host's logger; lines carry `timer` and `scheduledTime`, a last plain-object argument adds fields. */
  readonly log: LogSink;
  /** Aborted when the worker shuts down. */
  readonly signal: AbortSignal;
}

/** A timer handler. Errors are logged and recorded in the schedule's history; the schedule goes on. */
export type TimerHandler = (timer: TimerInfo, context: TimerContext) => unknown;

/** A registered timer trigger. */
export interface TimerDefinition {
  readonly kind: "timer";
  readonly name: string;
  readonly schedule: CronSchedule;
  readonly handler: TimerHandler;
}

/** Validates options and builds a timer definition. */
export function createTimerTrigger(
  name: string,
  options: TimerTriggerOptions,
  handler: TimerHandler,
): TimerDefinition {
  if (typeof handler !== "function")
    throw new InvalidArgumentError(`Timer '${name}' needs a handler function.`);
  if (typeof options?.schedule !== "string")
    throw new InvalidArgumentError(`Timer '${name}' needs a schedule.`);
  return { kind: "timer", name, schedule: CronSchedule.parse(options.schedule, options.timeZone), handler };
}

/** A registry that also holds the app's timer triggers (`app.timer`): what the schedules run from. */
export interface TimerRegistry extends Registry {
  /** Timer triggers, by name. */
  readonly timers: FunctionTable<TimerDefinition>;
}
