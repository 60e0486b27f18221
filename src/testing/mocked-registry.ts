/**
 * The test environment's registry: a copy of an app's functions with some activities replaced by mocks. The app is
 * not touched (other tests, and other environments, see it unchanged). Schedules get their own orchestrator and run
 * activity, bound to the copy.
 * @module
 */
import type { ActivityContext, ActivityDefinition } from "../api/definitions.js";
import type { FunctionTable } from "../api/registry.js";
import { AppRegistry } from "../app/app-registry.js";
import type { DurableApp } from "../app/durable-app.js";
import { InvalidArgumentError, UnknownFunctionError } from "../core/errors.js";
import {
  registerScheduleFunctions,
  SCHEDULE_ACTIVITY,
  SCHEDULE_ORCHESTRATOR,
} from "../schedules/schedule-orchestration.js";

/**
 * A mock activity: what runs instead of the registered one, with the same `(input, ctx)`. Its input may be typed as
 * the activity's (`async (order: Order) => "tx-1"`) or left out.
 */
export type ActivityMock = {
  bivarianceHack(input: unknown, context: ActivityContext): unknown;
}["bivarianceHack"];

/**
 * A copy of `app`'s registry with the activities named in `mocks` (any casing, as names are matched) replaced. The
 * mocks keep the registered activity's limits (`timeoutMs`, `heartbeatTimeoutMs`).
 * @throws UnknownFunctionError for a mock whose name the app has no activity for; InvalidArgumentError for a mock that
 *   is not a function.
 */
export function mockedRegistry(
  app: DurableApp,
  mocks: Readonly<Record<string, ActivityMock>> = {},
): AppRegistry {
  const source = app.registry;
  const registry = new AppRegistry();
  const byName = new Map<string, ActivityMock>();
  const known = source.activities.names().filter((name) => name !== SCHEDULE_ACTIVITY);
  for (const [name, mock] of Object.entries(mocks)) {
    const activity = source.activities.get(name);
    if (!activity || activity.name === SCHEDULE_ACTIVITY)
      throw new UnknownFunctionError("activity", name, known);
    if (typeof mock !== "function")
      throw new InvalidArgumentError(`The mock of activity '${activity.name}' must be a function.`);
    byName.set(activity.name, mock);
  }
  copy(source.orchestrations, registry.orchestrations, (d) =>
    d.name === SCHEDULE_ORCHESTRATOR ? undefined : d,
  );
  copy(source.entities, registry.entities, (d) => d);
  copy(source.timers, registry.timers, (d) => d);
  copy(source.activities, registry.activities, (d): ActivityDefinition | undefined => {
    if (d.name === SCHEDULE_ACTIVITY) return undefined;
    const mock = byName.get(d.name);
    return mock ? { ...d, handler: (input, context) => mock(input, context) } : d;
  });
  if (registry.timers.names().length > 0) registerScheduleFunctions(registry);
  return registry;
}

function copy<D extends { readonly name: string }>(
  from: FunctionTable<D>,
  to: FunctionTable<D>,
  map: (definition: D) => D | undefined,
): void {
  for (const name of from.names()) {
    const definition = from.get(name);
    const mapped = definition && map(definition);
    if (mapped) to.add(mapped);
  }
}
