/**
 * The entity RPCs of `TaskHubSidecarService` on a durable client's entity operations (`src/entities/entity-client.ts`):
 * `SignalEntity` (with `scheduledTime`), `GetEntity`, `QueryEntities` (prefix, last-modified bounds, state, transient
 * entities, paging) and `CleanEntityStorage`. Entity IDs are `@name@key` (the SDKs lower-case the name; Taskhub's
 * parsing does too). Errors become statuses as in `./grpc-errors.ts`.
 * @module
 */
import type { UntypedServiceImplementation } from "@grpc/grpc-js";
import type { DurableClient } from "../client/durable-client.js";
import { EntityId } from "../core/entity-id.js";
import { toLogger, type LogSink } from "../core/logger.js";
import type { EntityMetadata } from "../entities/entity-client.js";
import { unaryHandler } from "./grpc-errors.js";
import type {
  CleanEntityStorageRequest,
  CleanEntityStorageResponse,
  EntityMetadata as WireEntityMetadata,
  GetEntityRequest,
  GetEntityResponse,
  MessageInput,
  QueryEntitiesRequest,
  QueryEntitiesResponse,
  SignalEntityRequest,
} from "./messages.js";
import { jsonPayload, optionalString, optionalTime, pageSize } from "./request-values.js";
import { toStringValue, toTimestamp } from "./wire-values.js";

/** The entity RPCs served by {@link sidecarEntityHandlers}. */
export const ENTITY_METHODS = ["SignalEntity", "GetEntity", "QueryEntities", "CleanEntityStorage"] as const;

/**
 * The handlers of the entity RPCs ({@link ENTITY_METHODS}) on `client`, for `grpc.Server.addService` (merged with
 * the client's and the worker's). `log` gets the errors a caller is only told happened.
 */
export function sidecarEntityHandlers(client: DurableClient, log: LogSink): UntypedServiceImplementation {
  const logger = toLogger(log);
  const entities = client.entities;
  return {
    SignalEntity: unaryHandler("SignalEntity", logger, async (request: SignalEntityRequest) => {
      const id = EntityId.parse(request.instanceId);
      const at = optionalTime(request.scheduledTime, "scheduledTime");
      await entities.signalEntity(
        id.name,
        id.key,
        request.name,
        jsonPayload(request.input, "input"),
        at !== undefined ? { signalTime: new Date(at) } : undefined,
      );
      return {};
    }),

    GetEntity: unaryHandler(
      "GetEntity",
      logger,
      async (request: GetEntityRequest): Promise<MessageInput<GetEntityResponse>> => {
        const id = EntityId.parse(request.instanceId);
        const entity = await entities.getEntity(id.name, id.key, { includeState: request.includeState });
        return entity ? { exists: true, entity: wireMetadata(entity) } : { exists: false, entity: null };
      },
    ),

    QueryEntities: unaryHandler(
      "QueryEntities",
      logger,
      async (request: QueryEntitiesRequest): Promise<MessageInput<QueryEntitiesResponse>> => {
        const query = request.query;
        const from = optionalTime(query?.lastModifiedFrom, "query.lastModifiedFrom");
        const to = optionalTime(query?.lastModifiedTo, "query.lastModifiedTo");
        const prefix = optionalString(query?.instanceIdStartsWith);
        const page = await entities.listEntities({
          instanceIdPrefix: prefix === undefined ? undefined : normalizedPrefix(prefix),
          ...(from !== undefined ? { lastOperationTimeFrom: new Date(from) } : {}),
          ...(to !== undefined ? { lastOperationTimeTo: new Date(to) } : {}),
          includeState: query?.includeState === true,
          includeTransient: query?.includeTransient === true,
          pageSize: pageSize(query?.pageSize?.value ?? 0, "query.pageSize"),
          continuationToken: optionalString(query?.continuationToken) || undefined,
        });
        return {
          entities: page.entities.map(wireMetadata),
          continuationToken: toStringValue(page.continuationToken),
        };
      },
    ),

    CleanEntityStorage: unaryHandler(
      "CleanEntityStorage",
      logger,
      async (request: CleanEntityStorageRequest): Promise<MessageInput<CleanEntityStorageResponse>> => {
        // One call cleans everything: no continuation token.
        const result = await entities.cleanEntityStorage({
          removeEmptyEntities: request.removeEmptyEntities,
          releaseOrphanedLocks: request.releaseOrphanedLocks,
        });
        return {
          continuationToken: null,
          emptyEntitiesRemoved: result.emptyEntitiesRemoved,
          orphanedLocksReleased: result.orphanedLocksReleased,
        };
      },
    ),
  };
}

/** An `instanceIdStartsWith` as the SDKs normalize it: `@` first, the name part lower-case. */
function normalizedPrefix(prefix: string): string {
  const prefixed = prefix.startsWith("@") ? prefix : `@${prefix}`;
  const at = prefixed.indexOf("@", 1);
  return at < 0 ? prefixed.toLowerCase() : prefixed.slice(0, at).toLowerCase() + prefixed.slice(at);
}

function wireMetadata(entity: EntityMetadata): MessageInput<WireEntityMetadata> {
  return {
    instanceId: entity.entityId.toString(),
    lastModifiedTime: toTimestamp(entity.lastOperationTime.toISOString()),
    backlogQueueSize: entity.backlogQueueSize,
    lockedBy: toStringValue(entity.lockedBy),
    serializedState: "state" in entity ? toStringValue(JSON.stringify(entity.state)) : null,
  };
}
