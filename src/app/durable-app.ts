/**
 * `DurableApp`: where an app registers its orchestrations and activities, and starts a worker and client on a
 * task hub. Plain instances, no global state: several apps (and hubs) can live in one process.
 * @module
 */
import { DurableClient, type DurableClientOptions } from "../client/durable-client.js";
import {
  createHttpTrigger,
  type HttpHandler,
  type HttpTriggerDefinition,
  type HttpTriggerOptions,
} from "../http/http-trigger.js";
import { registerScheduleFunctions } from "../schedules/schedule-orchestration.js";
import { startSchedules } from "../schedules/start-schedules.js";
import {
  createTimerTrigger,
  type TimerDefinition,
  type TimerHandler,
  type TimerTriggerOptions,
} from "../schedules/timer-trigger.js";
import type { TaskHub } from "../task-hub/task-hub.js";
import { Worker, type WorkerOptions } from "../worker/worker.js";
import type {
  ClassEntityOperations,
  ClassEntityState,
  EntityDefinition,
  EntityOperations,
  EntityQueries,
  EntitySpec,
  FunctionEntityOperations,
} from "../api/entity-definition.js";
import { classEntity, functionEntity } from "../api/entity-forms.js";
import { checkActivityTimeouts } from "../api/activity-timeouts.js";
import { checkMaxDeliveryCount } from "../api/delivery-limit.js";
import type {
  ActivityDefinition,
  ActivityHandler,
  ActivityOptions,
  OrchestrationDefinition,
  GeneratorOrchestratorHandler,
  OrchestratorHandler,
} from "../api/definitions.js";
import { checkOrchestratorFunction } from "../api/generator-orchestrator.js";
import { AppRegistry } from "./app-registry.js";
import type { Registry } from "../api/registry.js";

/**
 * Makes a started app's one client from what `DurableApp.start` wires it with (`options`: the local worker for the
 * fast path, the clock); see {@link StartAppOptions.clientFactory}.
 */
export type ClientFactory<C extends DurableClient> = (
  taskHub: TaskHub,
  registry: Registry,
  options: DurableClientOptions,
) => C;

/**
 * Options of {@link DurableApp.start}. `clock` (default: the task hub's) is the worker's and the client's; when given,
 * it must be the hub's: give a `ManualClock` to the hub (`sqliteTaskHub(path, { clock })`) to run on virtual time.
 */
export interface StartAppOptions<C extends DurableClient = DurableClient> extends WorkerOptions {
  /** The task hub to run on (for example `sqliteTaskHub("./.taskhub/hub.db")`). */
  readonly taskHub: TaskHub;
  /** Start the worker (default true). With false, only the client is usable. */
  readonly runWorker?: boolean;
  /**
   * Makes the started app's client (default: a plain {@link DurableClient}), given the options that make its starts
   * run in this worker. A host passes one that makes its `HttpDurableClient`, so that its HTTP triggers, management
   * API and schedules share one client that takes the fast path.
   */
  readonly clientFactory?: ClientFactory<C> | undefined;
}

/** A started app: worker + client on one task hub. */
export interface DurableHost<C extends DurableClient = DurableClient> {
  readonly taskHub: TaskHub;
  /** The app's one client; its starts run their first step in {@link worker} (when it runs). */
  readonly client: C;
  readonly worker: Worker;
  /** Stops the worker gracefully and closes the task hub. */
  stop(): Promise<void>;
}

/**
 * A durable app: a registry of orchestrations and activities.
 *
 * @example
 * ```ts
 * const app = new DurableApp();
 * const hello = app.activity("Hello", async (name: string) => `Hello ${name}`);
 * const seq = app.orchestration("Sequence", async (ctx) => [await ctx.callActivity(hello, "Tokyo")]);
 * const host = await app.start({ taskHub: sqliteTaskHub(":memory:") });
 * const id = await host.client.startNew(seq);
 * ```
 */
export class DurableApp {
  /** @internal */
  readonly registry = new AppRegistry();

  /**
   * Registers an activity. The returned definition types `ctx.callActivity`. `options` sets the activity's default
   * limits on an attempt (`timeoutMs`, `heartbeatTimeoutMs`); a `callActivity` option overrides each.
   * @example
   * const upload = app.activity("Upload", async (file: string, ctx) => copy(file, { signal: ctx.signal }), {
   *   timeoutMs: 10 * 60_000,
   *   heartbeatTimeoutMs: 30_000,
   * });
   * `maxDeliveryCount` overrides the worker's limit on deliveries that end without completing (poison work).
   * @throws InvalidArgumentError for a limit that is not a positive whole number of milliseconds, or a
   *   `maxDeliveryCount` that is not a whole number from 1.
   */
  activity<I, O>(
    name: string,
    handler: ActivityHandler<I, O>,
    options?: ActivityOptions,
  ): ActivityDefinition<I, O> {
    const timeouts = checkActivityTimeouts(options, `Activity '${String(name)}'`);
    const limit = options?.maxDeliveryCount;
    if (limit !== undefined) checkMaxDeliveryCount(limit, `Activity '${String(name)}'`);
    const definition: ActivityDefinition<I, O> = {
      kind: "activity",
      name,
      handler,
      ...timeouts,
      ...(limit !== undefined ? { maxDeliveryCount: limit } : {}),
    };
    this.registry.activities.add(definition as unknown as ActivityDefinition);
    return definition;
  }

  /**
   * Registers an orchestration. The returned definition types `client.startNew` and `ctx.callSubOrchestrator`.
   * The orchestrator is an `async` function (`await` tasks), a plain function, or a `function*` generator (`yield`
   * tasks, the Durable Functions JavaScript v3 shape; `yield` results are `any`, `yield* resultOf(task)` types them).
   * @throws InvalidArgumentError when `handler` is none of those (not a function, an `async function*`, a class).
   */
  orchestration<I, O>(
    name: string,
    handler: GeneratorOrchestratorHandler<I, O>,
  ): OrchestrationDefinition<I, O>;
  orchestration<I, O>(name: string, handler: OrchestratorHandler<I, O>): OrchestrationDefinition<I, O>;
  orchestration<I, O>(
    name: string,
    handler: OrchestratorHandler<I, O> | GeneratorOrchestratorHandler<I, O>,
  ): OrchestrationDefinition<I, O> {
    checkOrchestratorFunction(handler, name);
    const definition: OrchestrationDefinition<I, O> = { kind: "orchestration", name, handler };
    this.registry.orchestrations.add(definition as unknown as OrchestrationDefinition);
    return definition;
  }

  /**
   * Registers an entity: a small addressable object with durable state, updated by operations that run one at a
   * time per entity. The returned definition types `signalEntity`, `callEntity` and `readEntityState`.
   *
   * Function form: each operation gets `(state, input, ctx)` and returns the new state (or mutates `state` and
   * returns nothing); what it returns is also `callEntity`'s result. Queries return a result and never change state.
   * Class form: fields are the state, methods the operations (`method(input, ctx)`, result = return value).
   * @example
   * const cart = app.entity("ShoppingCart", {
   *   initialState: (): string[] => [],
   *   operations: { add: (state, item: string) => [...state, item] },
   *   queries: { count: (state) => state.length },
   * });
   * class Account { balance = 0; deposit(amount: number) { this.balance += amount; } }
   * const account = app.entity("Account", Account);
   */
  entity<T extends object>(
    name: string,
    entityClass: new () => T,
  ): EntityDefinition<ClassEntityState<T>, ClassEntityOperations<T>>;
  entity<S, O extends EntityOperations<S>, Q extends EntityQueries<S> = Record<never, never>>(
    name: string,
    spec: EntitySpec<S, O, Q>,
  ): EntityDefinition<S, FunctionEntityOperations<O, Q>>;
  entity(
    name: string,
    spec: EntitySpec<unknown, EntityOperations<unknown>, EntityQueries<unknown>> | (new () => object),
  ): EntityDefinition {
    const definition = (
      typeof spec === "function" ? classEntity(name, spec) : functionEntity(name, spec)
    ) as EntityDefinition;
    this.registry.entities.add(definition);
    return definition;
  }

  /**
   * Registers an HTTP trigger, served under `/api/{route}` by `taskhub start`. The handler gets a standard `Request`
   * and `{ params, client, principal }`, and returns a `Response` or a value sent as JSON.
   */
  http(name: string, options: HttpTriggerOptions, handler: HttpHandler): HttpTriggerDefinition {
    return this.registry.httpTriggers.add(createHttpTrigger(name, options, handler));
  }

  /**
   * Registers a timer trigger on a six-field cron schedule (`0 0 2 * * MON`). It fires once per occurrence across
   * every host sharing the task hub; a missed occurrence fires once after downtime.
   */
  timer(name: string, options: TimerTriggerOptions, handler: TimerHandler): TimerDefinition {
    const definition = this.registry.timers.add(createTimerTrigger(name, options, handler));
    registerScheduleFunctions(this.registry);
    return definition;
  }

  /**
   * A client for `taskHub` that checks orchestration names against this app; `options.defaultVersion` is stamped on
   * the instances it starts without a version (as `start`'s `defaultVersion` on the started app's client).
   */
  createClient(taskHub: TaskHub, options: Pick<DurableClientOptions, "defaultVersion"> = {}): DurableClient {
    return new DurableClient(taskHub, this.registry, { defaultVersion: options.defaultVersion });
  }

  /** Initializes the task hub (migrations), starts a worker and returns it with a client. */
  async start<C extends DurableClient = DurableClient>(options: StartAppOptions<C>): Promise<DurableHost<C>> {
    const { taskHub, runWorker = true, clientFactory, ...workerOptions } = options;
    const worker = new Worker(taskHub, this.registry, workerOptions); // checks the options (clock) before any I/O
    await taskHub.init();
    if (runWorker) worker.start();
    // Instances started through this client begin in this worker without a claim (eager start).
    const makeClient = (clientFactory ?? plainClient) as ClientFactory<C>; // C is DurableClient without a factory
    const client = makeClient(taskHub, this.registry, {
      localWorker: runWorker ? worker : undefined,
      clock: worker.clock,
      maxPayloadBytes: workerOptions.maxPayloadBytes,
      defaultVersion: workerOptions.defaultVersion,
      // With remote work, names the app does not register are the SDK workers'.
      ...(workerOptions.remote ? { anyName: true } : {}),
    });
    if (runWorker)
      await startSchedules(this.registry, client, workerOptions.logger ?? console).catch(
        async (error: unknown) => {
          await worker.stop();
          await taskHub.close();
          throw error;
        },
      );
    let stopped: Promise<void> | undefined;
    return {
      taskHub,
      client,
      worker,
      stop: () =>
        (stopped ??= (async () => {
          await worker.stop();
          await taskHub.close();
        })()),
    };
  }
}

function plainClient(taskHub: TaskHub, registry: Registry, options: DurableClientOptions): DurableClient {
  return new DurableClient(taskHub, registry, options);
}
