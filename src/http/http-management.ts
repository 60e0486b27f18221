/**
 * The client given to HTTP handlers: a {@link DurableClient} plus Durable Functions' HTTP helpers for the async
 * HTTP pattern (`createCheckStatusResponse`, `createHttpManagementPayload`,
 * `waitForCompletionOrCreateCheckStatusResponse`).
 * @module
 */
import type { Registry } from "../api/registry.js";
import { DurableClient, type DurableClientOptions } from "../client/durable-client.js";
import { InvalidArgumentError, TimeoutError } from "../core/errors.js";
import { validateInstanceId } from "../core/instance-id.js";
import type { TaskHub } from "../task-hub/task-hub.js";
import { jsonResponse } from "./http-error.js";
import {
  buildManagementPayload,
  toCheckStatusPayload,
  type HttpManagementPayload,
  type ManagementUrlOptions,
} from "./management-urls.js";
import { statusResponse } from "./status-payload.js";

/** How the client forms management URLs. */
export interface HttpManagementOptions extends Omit<ManagementUrlOptions, "origin"> {
  /** The origin used when there is no request to take it from (`createHttpManagementPayload`). */
  readonly baseUrl: string;
}

/** Options of {@link HttpDurableClient.createCheckStatusResponse}. */
export interface CheckStatusOptions {
  /** Append `returnInternalServerErrorOnFailure=true` to `statusQueryGetUri`. */
  readonly returnInternalServerErrorOnFailure?: boolean;
}

/** Options of {@link HttpDurableClient.waitForCompletionOrCreateCheckStatusResponse}. */
export interface WaitOrCheckStatusOptions extends CheckStatusOptions {
  /** How long to wait for the instance to finish (default 10,000 ms). */
  readonly timeoutInMilliseconds?: number;
  /** Longest pause between status checks (default 1,000 ms); must not exceed the timeout. */
  readonly retryIntervalInMilliseconds?: number;
}

/**
 * A durable client that also builds Durable Functions' HTTP management responses. A host makes one, through
 * `DurableApp.start` (`clientFactory`), and hands it to its HTTP triggers, its management API and `durable.client`,
 * so that every start takes the local worker's fast path.
 *
 * @example
 * ```ts
 * app.http("StartOrder", { route: "orders", methods: ["POST"] }, async (request, { client }) => {
 *   const id = await client.startNew(processOrder, { input: await request.json() });
 *   return client.createCheckStatusResponse(request, id);
 * });
 * ```
 */
export class HttpDurableClient extends DurableClient {
  /**
   * @param http How management URLs are formed.
   * @param options As {@link DurableClient}'s (a local worker for the fast path, the clock).
   */
  constructor(
    taskHub: TaskHub,
    registry: Registry | undefined,
    readonly http: HttpManagementOptions,
    options?: DurableClientOptions,
  ) {
    super(taskHub, registry, options);
  }

  /** The management URLs of `instanceId`, with `rewindPostUri`, based on the host's configured base URL. */
  createHttpManagementPayload(instanceId: string): HttpManagementPayload {
    validateInstanceId(instanceId);
    return buildManagementPayload(instanceId, { ...this.http, origin: this.http.baseUrl });
  }

  /**
   * The async HTTP pattern's first answer: 202 with the check-status payload as JSON body, `Location` set to
   * `statusQueryGetUri` and `Retry-After: 10`. URLs use the origin of `request`.
   */
  createCheckStatusResponse(
    request: Request,
    instanceId: string,
    options: CheckStatusOptions = {},
  ): Response {
    validateInstanceId(instanceId);
    const payload = this.#payloadFor(
      request,
      instanceId,
      options.returnInternalServerErrorOnFailure ?? false,
    );
    return jsonResponse(202, toCheckStatusPayload(payload), {
      location: payload.statusQueryGetUri,
      "retry-after": "10",
    });
  }

  /**
   * Waits up to `timeoutInMilliseconds` for the instance to finish: 200 with its output when it completed, the
   * status response (200, or 500 with `returnInternalServerErrorOnFailure`) when it failed or was terminated, else
   * the 202 check-status response.
   */
  async waitForCompletionOrCreateCheckStatusResponse(
    request: Request,
    instanceId: string,
    options: WaitOrCheckStatusOptions = {},
  ): Promise<Response> {
    validateInstanceId(instanceId);
    const timeout = options.timeoutInMilliseconds ?? 10_000;
    const retryInterval = options.retryIntervalInMilliseconds ?? 1000;
    if (!Number.isFinite(timeout) || timeout < 0 || !Number.isFinite(retryInterval) || retryInterval < 0)
      throw new InvalidArgumentError(
        "timeoutInMilliseconds and retryIntervalInMilliseconds must be non-negative.",
      );
    if (retryInterval > timeout)
      throw new InvalidArgumentError(
        `Total timeout ${timeout / 1000} should be bigger than retry timeout ${retryInterval / 1000}.`,
      );
    const returnInternalServerErrorOnFailure = options.returnInternalServerErrorOnFailure ?? false;
    try {
      const status = await this.waitForCompletion(instanceId, { timeoutMs: timeout });
      if (status.runtimeStatus === "Completed") return jsonResponse(200, status.output ?? null);
      const location = this.#payloadFor(
        request,
        instanceId,
        returnInternalServerErrorOnFailure,
      ).statusQueryGetUri;
      return statusResponse(status, { location, returnInternalServerErrorOnFailure });
    } catch (error) {
      const name = (error as { name?: unknown } | null)?.name;
      if (!(error instanceof TimeoutError) && name !== "InstanceNotFoundError") throw error;
      return this.createCheckStatusResponse(request, instanceId, { returnInternalServerErrorOnFailure });
    }
  }

  #payloadFor(
    request: Request,
    instanceId: string,
    returnInternalServerErrorOnFailure: boolean,
  ): HttpManagementPayload {
    let origin = this.http.baseUrl;
    try {
      origin = new URL(request.url).origin;
    } catch {
      // a Request always has an absolute URL; keep the configured base otherwise
    }
    return buildManagementPayload(instanceId, { ...this.http, origin }, returnInternalServerErrorOnFailure);
  }
}
