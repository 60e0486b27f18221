/**
 * Starting the schedules of an app on a hub: every host does it; the fixed instance IDs make it idempotent.
 * @module
 */
import type { DurableClient } from "../client/durable-client.js";
import { isTerminalStatus } from "../core/runtime-status.js";
import { toLogger, type LogSink } from "../core/logger.js";
import {
  bindScheduleRuntime,
  RESCHEDULE_EVENT,
  SCHEDULE_ORCHESTRATOR,
  scheduleInstanceId,
  type ScheduleInput,
} from "./schedule-orchestration.js";
import type { TimerRegistry } from "./timer-trigger.js";

/**
 * Makes sure each timer of `registry` has its schedule orchestration running on the client's hub: starts it when
 * missing or finished (another host starting it at the same moment wins harmlessly), and sends a reschedule event
 * when the running one has a different expression or time zone. Binds the client for timer handlers run here.
 */
export async function startSchedules(
  registry: TimerRegistry,
  client: DurableClient,
  sink: LogSink,
): Promise<void> {
  bindScheduleRuntime(registry, client, sink);
  const log = toLogger(sink);
  for (const name of registry.timers.names()) {
    const timer = registry.timers.get(name);
    if (!timer) continue;
    const instanceId = scheduleInstanceId(timer.name);
    const wanted = { schedule: timer.schedule.expression, timeZone: timer.schedule.timeZone };
    const status = await client.getStatus(instanceId);
    if (status && !isTerminalStatus(status.runtimeStatus)) {
      const current = status.input as Partial<ScheduleInput> | undefined;
      if (current?.schedule !== wanted.schedule || current?.timeZone !== wanted.timeZone) {
        await client.raiseEvent(instanceId, RESCHEDULE_EVENT, wanted);
        log.info(`Timer '${timer.name}': schedule changed to "${wanted.schedule}" (${wanted.timeZone}).`, {
          timer: timer.name,
        });
      }
      continue;
    }
    const input: ScheduleInput = {
      name: timer.name,
      ...wanted,
      after: new Date(client.clock.now()).toISOString(),
    };
    try {
      await client.startNew(SCHEDULE_ORCHESTRATOR, { instanceId, input });
      log.info(`Timer '${timer.name}': schedule "${wanted.schedule}" (${wanted.timeZone}) started.`, {
        timer: timer.name,
      });
    } catch (error) {
      if ((error as { name?: unknown } | null)?.name !== "InstanceAlreadyExistsError") throw error;
    }
  }
}
