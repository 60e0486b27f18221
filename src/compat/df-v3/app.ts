/**
 * `df.app`: Durable Functions v3's registration functions, backed by one Taskhub `DurableApp` per process (DF
 * registers on a process-wide app too). `taskhub start ./app.js` runs it when the module exports no `DurableApp` of
 * its own; in code, `await df.app.start({ taskHub })`.
 * @module
 */
import { DurableApp, type DurableHost, type StartAppOptions } from "../../app/durable-app.js";
import { InvalidArgumentError } from "../../core/errors.js";
import type { ActivityContext as TaskhubActivityContext } from "../../api/definitions.js";
import {
  logMethods,
  adaptOrchestrator,
  type OrchestrationHandler,
  type InvocationContextLike,
} from "./orchestration-context.js";
import { dfEntity, type EntityHandler } from "./entity.js";
import { NotSupportedError } from "./not-supported.js";

/** The global under which the process-wide app is found by `taskhub start` (see `src/host/load-app.ts`). */
const GLOBAL_APP = Symbol.for("taskhub.durable-functions.app");

/** The context of a DF v3 activity: the invocation's fields, and Taskhub's activity context as `taskhub`. */
export interface ActivityContext extends InvocationContextLike {
  /** Taskhub's activity context: attempt, idempotency key, abort signal, heartbeats. */
  readonly taskhub: TaskhubActivityContext;
}

/** A DF v3 activity function. */
export type ActivityHandler = (input: any, context: ActivityContext) => unknown; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Options of `df.app.activity`. */
export interface ActivityOptions {
  /** The activity function. */
  readonly handler: ActivityHandler;
  /** Not supported (Azure Functions bindings): must be absent or empty. */
  readonly extraInputs?: readonly unknown[];
  /** Not supported (Azure Functions bindings): must be absent or empty. */
  readonly extraOutputs?: readonly unknown[];
}

/** Options of `df.app.orchestration`. */
export interface OrchestrationOptions {
  /** The orchestrator function. */
  readonly handler: OrchestrationHandler;
  /** Not supported (Azure Functions bindings): must be absent or empty. */
  readonly extraInputs?: readonly unknown[];
  /** Not supported (Azure Functions bindings): must be absent or empty. */
  readonly extraOutputs?: readonly unknown[];
}

/** Options of `df.app.entity`. */
export interface EntityOptions {
  /** The entity function. */
  readonly handler: EntityHandler;
  /** Not supported (Azure Functions bindings): must be absent or empty. */
  readonly extraInputs?: readonly unknown[];
  /** Not supported (Azure Functions bindings): must be absent or empty. */
  readonly extraOutputs?: readonly unknown[];
}

function durableApp(): DurableApp {
  const global = globalThis as { [GLOBAL_APP]?: DurableApp };
  return (global[GLOBAL_APP] ??= new DurableApp());
}

function handlerOf<H>(kind: string, name: string, options: H | { readonly handler: H }): H {
  const handler = typeof options === "function" ? options : (options as { handler?: H } | undefined)?.handler;
  if (typeof handler !== "function")
    throw new InvalidArgumentError(`df.app.${kind}('${String(name)}') needs a handler function.`);
  for (const key of Object.keys(typeof options === "object" && options !== null ? options : {})) {
    if (key === "handler") continue;
    const value = (options as Record<string, unknown>)[key];
    if ((key === "extraInputs" || key === "extraOutputs") && Array.isArray(value) && value.length === 0)
      continue;
    throw new NotSupportedError(
      `The option '${key}' of df.app.${kind}`,
      "Azure Functions bindings have no Taskhub equivalent: do that I/O in an activity.",
    );
  }
  return handler as H;
}

function notSupported(api: string, instead: string): () => never {
  return () => {
    throw new NotSupportedError(api, instead);
  };
}

/** `df.app.client`: starter functions with a client binding are Azure Functions triggers; not supported. */
const client = Object.freeze({
  http: notSupported(
    "df.app.client.http",
    "Register the starter with Taskhub's app.http on df.app.durableApp, or use df.getClient(host).",
  ),
  timer: notSupported("df.app.client.timer", "Use Taskhub's app.timer on df.app.durableApp."),
  generic: notSupported("df.app.client.generic", "Use df.getClient(host) where you need a client."),
  storageQueue: notSupported("df.app.client.storageQueue", "Taskhub has no queue triggers."),
  storageBlob: notSupported("df.app.client.storageBlob", "Taskhub has no blob triggers."),
  serviceBusQueue: notSupported("df.app.client.serviceBusQueue", "Taskhub has no Service Bus triggers."),
  serviceBusTopic: notSupported("df.app.client.serviceBusTopic", "Taskhub has no Service Bus triggers."),
  eventHub: notSupported("df.app.client.eventHub", "Taskhub has no Event Hubs triggers."),
  eventGrid: notSupported("df.app.client.eventGrid", "Taskhub has no Event Grid triggers."),
  cosmosDB: notSupported("df.app.client.cosmosDB", "Taskhub has no Cosmos DB triggers."),
});

/**
 * Durable Functions v3's `df.app`: `orchestration`, `activity`, `entity` register on the process-wide Taskhub app;
 * `durableApp` is that app and `start` runs it. `client.*` triggers are not supported (they throw).
 */
export const app = Object.freeze({
  /** Registers a DF v3 orchestrator: `df.app.orchestration(name, function* (context) { ... })`. */
  orchestration(name: string, options: OrchestrationHandler | OrchestrationOptions): void {
    const handler = handlerOf<OrchestrationHandler>("orchestration", name, options);
    const kind = (handler as { constructor?: { name?: string } }).constructor?.name;
    if (kind === "AsyncFunction" || kind === "AsyncGeneratorFunction")
      throw new NotSupportedError(
        `An ${kind === "AsyncFunction" ? "async function" : "async generator function"} as a df.app.orchestration`,
        "DF v3 orchestrators are function* generators; for async/await use Taskhub's own app.orchestration.",
      );
    durableApp().orchestration(name, adaptOrchestrator(name, handler));
  },

  /** Registers a DF v3 activity: `df.app.activity(name, { handler: (input, context) => ... })`. */
  activity(name: string, options: ActivityOptions): void {
    const handler = handlerOf<ActivityHandler>("activity", name, options);
    durableApp().activity(name, (input: unknown, ctx) =>
      handler(input, {
        taskhub: ctx,
        invocationId: ctx.idempotencyKey,
        functionName: ctx.name,
        ...logMethods(consoleSink),
      }),
    );
  },

  /** Registers a DF v3 entity: `df.app.entity(name, function (context) { switch (context.df.operationName) ... })`. */
  entity(name: string, options: EntityHandler | EntityOptions): void {
    const handler = handlerOf<EntityHandler>("entity", name, options);
    durableApp().registry.entities.add(dfEntity(name, handler, consoleSink));
  },

  /** Starter triggers with a client binding: not supported (each throws, naming the Taskhub way). */
  client,

  /** The process-wide Taskhub app these functions are registered on (add Taskhub functions to it freely). */
  get durableApp(): DurableApp {
    return durableApp();
  },

  /** Starts the process-wide app on a task hub (worker and client): `await df.app.start({ taskHub })`. */
  start(options: StartAppOptions): Promise<DurableHost> {
    return durableApp().start(options);
  },
});

const consoleSink = {
  info: (m: string) => console.info(m),
  warn: (m: string) => console.warn(m),
  error: (m: string) => console.error(m),
  debug: (m: string) => console.debug(m),
};
