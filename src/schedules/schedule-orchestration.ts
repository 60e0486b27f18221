/**
 * Durable schedules, built on the engine itself. Each timer trigger is one eternal orchestration with the fixed
 * instance ID `schedule:<name>`; every host starts it singleton-style (starting an ID that is active is refused),
 * so exactly one instance runs per hub however many hosts share it.
 *
 * One execution = one occurrence: compute the first occurrence after the anchor (`after`), wait on a durable timer,
 * run the handler in an activity, then `continueAsNew` anchored at the time the timer fired.
 *
 * **Missed-occurrence policy.** A durable timer survives downtime: when the hub comes back, the overdue timer fires
 * once and the handler runs once for it (`isPastDue: true`); the next occurrence is then computed from the time of
 * that firing, so the occurrences missed in between are not replayed one by one. A schedule whose instance was
 * terminated or purged starts afresh from the next occurrence after the host starts.
 * @module
 */
import type { ActivityContext } from "../api/definitions.js";
import type { Registry } from "../api/registry.js";
import type { DurableClient } from "../client/durable-client.js";
import type { OrchestrationContext } from "../api/orchestration-context.js";
import { errorFields, toLogger, toSink, type Logger, type LogSink } from "../core/logger.js";
import { CronSchedule } from "./cron-schedule.js";
import type { TimerInfo, TimerRegistry } from "./timer-trigger.js";

/** Name of the orchestrator that runs every schedule. */
export const SCHEDULE_ORCHESTRATOR = "taskhub:schedule";
/** Name of the activity that runs a timer's handler. */
export const SCHEDULE_ACTIVITY = "taskhub:schedule-run";
/** External event that makes a running schedule pick up a changed expression. */
export const RESCHEDULE_EVENT = "taskhub:reschedule";

/** The instance ID of a timer's schedule orchestration. */
export function scheduleInstanceId(timerName: string): string {
  return `schedule:${timerName}`;
}

/** Input of one execution of the schedule orchestration. */
export interface ScheduleInput {
  readonly name: string;
  readonly schedule: string;
  readonly timeZone: string;
  /** ISO time: the next occurrence is the first one strictly after it. */
  readonly after: string;
  /** ISO time of the last occurrence that ran. */
  readonly last?: string | undefined;
}

interface RunInput {
  readonly name: string;
  readonly scheduledTime: string;
  readonly isPastDue: boolean;
  readonly last?: string | undefined;
  readonly next: string;
}

/** Where the run activity finds a client and a logger, per app registry (set by the host that runs the worker). */
const bindings = new WeakMap<Registry, { readonly client: DurableClient; readonly log: Logger }>();

/** Gives timer handlers of `registry` this client and logger. */
export function bindScheduleRuntime(registry: Registry, client: DurableClient, log: LogSink): void {
  bindings.set(registry, { client, log: toLogger(log) });
}

const LATE_MS = 60_000;

/** The orchestrator: one occurrence per execution. */
async function runSchedule(ctx: OrchestrationContext, input: ScheduleInput): Promise<void> {
  const schedule = CronSchedule.parse(input.schedule, input.timeZone);
  const due = schedule.next(new Date(input.after));
  ctx.setCustomStatus({
    schedule: input.schedule,
    timeZone: input.timeZone,
    next: due.toISOString(),
    last: input.last ?? null,
  });
  const timer = ctx.createTimer(due);
  const reschedule = ctx.waitForExternalEvent<{ schedule: string; timeZone: string }>(RESCHEDULE_EVENT);
  const winner = await ctx.whenAny([timer, reschedule]);
  if (winner === reschedule) {
    timer.cancel();
    const changed = await reschedule;
    ctx.continueAsNew({
      ...input,
      ...changed,
      after: ctx.currentUtcDateTime.toISOString(),
    } satisfies ScheduleInput);
    return;
  }
  const firedAt = ctx.currentUtcDateTime;
  const anchor = firedAt.getTime() > due.getTime() ? firedAt : due;
  const next = schedule.next(anchor);
  const isPastDue =
    schedule.next(due).getTime() <= firedAt.getTime() || firedAt.getTime() - due.getTime() > LATE_MS;
  const run: RunInput = {
    name: input.name,
    scheduledTime: due.toISOString(),
    isPastDue,
    last: input.last,
    next: next.toISOString(),
  };
  try {
    await ctx.callActivity(SCHEDULE_ACTIVITY, run);
  } catch (error) {
    ctx.log.warn(`timer '${input.name}' (${due.toISOString()}) failed: ${(error as Error).message}`, {
      timer: input.name,
      ...errorFields(error),
    });
  }
  ctx.continueAsNew({
    ...input,
    after: anchor.toISOString(),
    last: due.toISOString(),
  } satisfies ScheduleInput);
}

/** Registers the schedule orchestrator and run activity in `registry` (once). */
export function registerScheduleFunctions(registry: TimerRegistry): void {
  if (registry.orchestrations.get(SCHEDULE_ORCHESTRATOR)) return;
  registry.orchestrations.add({
    kind: "orchestration",
    name: SCHEDULE_ORCHESTRATOR,
    handler: (ctx, input) => runSchedule(ctx, input as ScheduleInput),
  });
  registry.activities.add({
    kind: "activity",
    name: SCHEDULE_ACTIVITY,
    handler: (input, context) => runTimer(registry, input as RunInput, context),
  });
}

async function runTimer(registry: TimerRegistry, input: RunInput, context: ActivityContext): Promise<void> {
  const timer = registry.timers.get(input.name);
  const binding = bindings.get(registry);
  if (!timer || !binding) {
    (binding?.log ?? toLogger(console)).warn(
      `Timer '${input.name}' is not registered on this host; occurrence skipped.`,
      { timer: input.name },
    );
    return;
  }
  const info: TimerInfo = {
    scheduledTime: new Date(input.scheduledTime),
    isPastDue: input.isPastDue,
    scheduleStatus: {
      last: input.last !== undefined ? new Date(input.last) : undefined,
      next: new Date(input.next),
      lastUpdated: new Date(binding.client.clock.now()),
    },
  };
  try {
    await timer.handler(info, {
      name: timer.name,
      idempotencyKey: `${scheduleInstanceId(timer.name)}@${input.scheduledTime}`,
      client: binding.client,
      log: toSink(binding.log.child({ timer: timer.name, scheduledTime: input.scheduledTime })),
      signal: context.signal,
    });
  } catch (error) {
    binding.log.error(`Timer '${timer.name}' (${input.scheduledTime}) threw: ${String(error)}`, {
      timer: timer.name,
      scheduledTime: input.scheduledTime,
      ...errorFields(error),
      err: error,
    });
    throw error;
  }
}
