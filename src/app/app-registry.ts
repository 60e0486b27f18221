/**
 * The registry a `DurableApp` keeps: the engine's functions (the {@link Registry} of `src/api`) plus the tables of
 * the app's HTTP and timer triggers, which only the composition root and the host read.
 * @module
 */
import { FunctionTable, Registry } from "../api/registry.js";
import type { HttpTriggerDefinition } from "../http/http-trigger.js";
import type { TimerDefinition, TimerRegistry } from "../schedules/timer-trigger.js";

/** An app's functions and its trigger tables. */
export class AppRegistry extends Registry implements TimerRegistry {
  /** HTTP triggers (`app.http`). */
  readonly httpTriggers = new FunctionTable<HttpTriggerDefinition>("HTTP trigger");
  /** Timer triggers (`app.timer`). */
  readonly timers = new FunctionTable<TimerDefinition>("timer trigger");
}
