/**
 * `df.getClient(...)`: a Durable Functions v3 `DurableClient` over a Taskhub client. In Azure Functions the client
 * comes from a binding (`df.getClient(context)`); here it wraps the client of a started app or host
 * (`df.getClient(host.client)`, or `df.getClient(host)`).
 * @module
 */
import type { DurableClient as TaskhubClient } from "../../client/durable-client.js";
import type { OrchestrationStatus } from "../../client/orchestration-status.js";
import { EntityId } from "../../core/entity-id.js";
import { InstanceNotFoundError, InvalidArgumentError } from "../../core/errors.js";
import type { RuntimeStatus } from "../../core/runtime-status.js";
import { NotSupportedError } from "./not-supported.js";

/** `startNew` options, as in DF v3. */
export interface StartNewOptions {
  /** The instance ID (default: a new one). */
  readonly instanceId?: string;
  /** The orchestration's input. */
  readonly input?: unknown;
  /** The version stamped on the instance. */
  readonly version?: string;
}

/** `getStatus` options, as in DF v3. */
export interface GetStatusOptions {
  /** Include the history. */
  readonly showHistory?: boolean;
  /** Accepted for compatibility (history events carry their payloads). */
  readonly showHistoryOutput?: boolean;
  /** Include the input (default true). */
  readonly showInput?: boolean;
}

/** A status filter of `getStatusBy` / `purgeInstanceHistoryBy`. */
export interface OrchestrationFilter {
  readonly createdTimeFrom?: Date;
  readonly createdTimeTo?: Date;
  readonly runtimeStatus?: readonly RuntimeStatus[];
}

/** What `getStatus` returns, in DF v3's shape (a failed instance's `output` is its error message, as in DF). */
export interface DurableOrchestrationStatus {
  readonly name: string;
  readonly instanceId: string;
  readonly createdTime: Date;
  readonly lastUpdatedTime: Date;
  readonly input: unknown;
  readonly output: unknown;
  readonly runtimeStatus: RuntimeStatus;
  readonly customStatus?: unknown;
  readonly history?: readonly unknown[];
}

/** What `readEntityState` returns. */
export interface EntityStateResponse<T> {
  readonly entityExists: boolean;
  readonly entityState: T | undefined;
}

/** The DF v3 durable client, over a Taskhub client. */
export class DurableClient {
  /** @param taskhub The Taskhub client it uses (also usable directly: `client.taskhub.waitForCompletion(id)`). */
  constructor(readonly taskhub: TaskhubClient) {}

  /** Starts an orchestration by name; returns its instance ID. */
  startNew(orchestratorFunctionName: string, options: StartNewOptions = {}): Promise<string> {
    return this.taskhub.startNew(orchestratorFunctionName, {
      ...(options.instanceId !== undefined ? { instanceId: options.instanceId } : {}),
      ...(options.input !== undefined ? { input: options.input } : {}),
      ...(options.version !== undefined ? { version: options.version } : {}),
    });
  }

  /**
   * The status of an instance.
   * @throws InstanceNotFoundError when it does not exist.
   */
  async getStatus(instanceId: string, options: GetStatusOptions = {}): Promise<DurableOrchestrationStatus> {
    const status = await this.taskhub.getStatus(instanceId, {
      showHistory: options.showHistory ?? false,
      showInput: options.showInput ?? true,
    });
    if (!status) throw new InstanceNotFoundError(instanceId);
    return toDfStatus(status);
  }

  /** Every instance's status. */
  getStatusAll(): Promise<DurableOrchestrationStatus[]> {
    return this.getStatusBy({});
  }

  /** The statuses of the instances that match `filter` (every page). */
  async getStatusBy(filter: OrchestrationFilter): Promise<DurableOrchestrationStatus[]> {
    const out: DurableOrchestrationStatus[] = [];
    let continuationToken: string | undefined;
    do {
      const page = await this.taskhub.listInstances({
        ...filter,
        ...(continuationToken !== undefined ? { continuationToken } : {}),
      });
      out.push(...page.instances.map(toDfStatus));
      continuationToken = page.continuationToken;
    } while (continuationToken !== undefined);
    return out;
  }

  /** Raises an event on an instance. */
  raiseEvent(instanceId: string, eventName: string, eventData?: unknown): Promise<void> {
    return this.taskhub.raiseEvent(instanceId, eventName, eventData);
  }

  /** Terminates an instance. */
  terminate(instanceId: string, reason: string): Promise<void> {
    return this.taskhub.terminate(instanceId, reason);
  }

  /** Suspends an instance. */
  suspend(instanceId: string, reason: string): Promise<void> {
    return this.taskhub.suspend(instanceId, reason);
  }

  /** Resumes a suspended instance. */
  resume(instanceId: string, reason: string): Promise<void> {
    return this.taskhub.resume(instanceId, reason);
  }

  /** Rewinds a failed instance. */
  rewind(instanceId: string, reason: string): Promise<void> {
    return this.taskhub.rewind(instanceId, reason);
  }

  /** Deletes an instance's history and state. */
  purgeInstanceHistory(instanceId: string): Promise<{ instancesDeleted: number }> {
    return this.taskhub.purgeInstanceHistory(instanceId);
  }

  /** Deletes the instances that match `filter` (`createdTimeFrom` is required, as in DF). */
  purgeInstanceHistoryBy(filter: OrchestrationFilter): Promise<{ instancesDeleted: number }> {
    if (!filter.createdTimeFrom)
      throw new InvalidArgumentError("purgeInstanceHistoryBy needs createdTimeFrom.");
    return this.taskhub.purgeInstanceHistoryBy({ ...filter, createdTimeFrom: filter.createdTimeFrom });
  }

  /** Signals an entity operation (one way). */
  signalEntity(entityId: EntityId, operationName?: string, operationContent?: unknown): Promise<void> {
    const id = checkEntityId(entityId);
    return this.taskhub.signalEntity(id.name, id.key, operationName ?? "", operationContent);
  }

  /** The entity's last committed state. */
  readEntityState<T>(entityId: EntityId): Promise<EntityStateResponse<T>> {
    const id = checkEntityId(entityId);
    return this.taskhub.readEntityState<T>(id.name, id.key);
  }

  /** Not supported: throws {@link NotSupportedError}. */
  createCheckStatusResponse(): never {
    throw new NotSupportedError(
      "DurableClient.createCheckStatusResponse",
      "Register the starter with Taskhub's app.http and return its createCheckStatusResponse (docs/http-api.md).",
    );
  }

  /** Not supported: throws {@link NotSupportedError}. */
  waitForCompletionOrCreateCheckStatusResponse(): never {
    throw new NotSupportedError(
      "DurableClient.waitForCompletionOrCreateCheckStatusResponse",
      "Use client.taskhub.waitForCompletion(id, { timeoutMs }).",
    );
  }

  /** Not supported: throws {@link NotSupportedError}. */
  createHttpManagementPayload(): never {
    throw new NotSupportedError(
      "DurableClient.createHttpManagementPayload",
      "Taskhub's HTTP management API is described in docs/http-api.md.",
    );
  }
}

function checkEntityId(entityId: unknown): EntityId {
  if (!(entityId instanceof EntityId))
    throw new InvalidArgumentError("The durable client needs a df.EntityId (new df.EntityId(name, key)).");
  return entityId;
}

function toDfStatus(status: OrchestrationStatus): DurableOrchestrationStatus {
  return {
    name: status.name,
    instanceId: status.instanceId,
    createdTime: status.createdTime,
    lastUpdatedTime: status.lastUpdatedTime,
    input: status.input,
    output: status.runtimeStatus === "Failed" ? status.failureDetails?.message : status.output,
    runtimeStatus: status.runtimeStatus,
    ...(status.customStatus !== undefined ? { customStatus: status.customStatus } : {}),
    ...(status.history ? { history: status.history } : {}),
  };
}

/**
 * The DF v3 client of a Taskhub client or started host: `df.getClient(host)` / `df.getClient(host.client)`.
 * @throws NotSupportedError for an Azure Functions invocation context (there is no client binding here).
 */
export function getClient(source: TaskhubClient | { readonly client: TaskhubClient }): DurableClient {
  const candidate = (source as { client?: unknown }).client ?? source;
  if (typeof (candidate as TaskhubClient | undefined)?.startNew !== "function")
    throw new NotSupportedError(
      "df.getClient(invocationContext)",
      "Pass the Taskhub client instead: df.getClient(host) or df.getClient(host.client), with host = await df.app.start({ taskHub }).",
    );
  return new DurableClient(candidate as TaskhubClient);
}
