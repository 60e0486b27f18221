/**
 * The client RPCs that change an instance, on the durable client: raise an event, terminate, suspend, resume,
 * restart, rewind and purge. Taskhub's errors become the statuses of `./grpc-errors.ts`: an unknown instance
 * `NOT_FOUND`, a finished one (for an event or a control operation) `FAILED_PRECONDITION`.
 * @module
 */
import { status } from "@grpc/grpc-js";
import type { DurableClient } from "../client/durable-client.js";
import { InvalidArgumentError } from "../core/errors.js";
import { validateInstanceId } from "../core/instance-id.js";
import { isTerminalStatus } from "../core/runtime-status.js";
import { GrpcStatusError } from "./grpc-errors.js";
import type {
  MessageInput,
  PurgeInstancesRequest,
  PurgeInstancesResponse,
  RaiseEventRequest,
  RestartInstanceRequest,
  RestartInstanceResponse,
  TerminateRequest,
} from "./messages.js";
import { jsonPayload, optionalTime, statusFilter } from "./request-values.js";

/** `RaiseEvent`: the event (its JSON data, `""`: none) into the instance's inbox. */
export async function raiseEvent(client: DurableClient, request: RaiseEventRequest): Promise<void> {
  await client.raiseEvent(request.instanceId, request.name, jsonPayload(request.input, "input"));
}

/**
 * Taskhub's termination reason (plain text, which becomes the output as a JSON string) of the protocol's `output`
 * (JSON text): a JSON string is its text, `null` or nothing no reason, any other JSON value its text.
 */
export function terminationReason(output: string | undefined): string | undefined {
  if (output === undefined || output === "") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(output);
  } catch {
    return output;
  }
  if (parsed === null) return undefined;
  return typeof parsed === "string" ? parsed : output;
}

/** `TerminateInstance`: its output as the reason, its sub-orchestrations too when `recursive`. */
export async function terminateInstance(client: DurableClient, request: TerminateRequest): Promise<void> {
  await client.terminate(request.instanceId, {
    reason: terminationReason(request.output?.value),
    recursive: request.recursive,
  });
}

/**
 * `RestartInstance`: the instance again with its original input, under a new ID or its own. An instance that has
 * not finished cannot take its own ID again: `FAILED_PRECONDITION`, as the SDKs expect.
 */
export async function restartInstance(
  client: DurableClient,
  request: RestartInstanceRequest,
): Promise<RestartInstanceResponse> {
  try {
    const instanceId = await client.restart(request.instanceId, {
      restartWithNewInstanceId: request.restartWithNewInstanceId,
    });
    return { instanceId };
  } catch (error) {
    if (error instanceof Error && error.name === "InstanceAlreadyExistsError")
      throw new GrpcStatusError(status.FAILED_PRECONDITION, error.message);
    throw error;
  }
}

/**
 * Purges one instance (with the sub-orchestrations it started): 1 or more when it had finished, 0 when it is
 * unknown or still active (as the JS SDK documents it).
 */
async function purgeOne(client: DurableClient, instanceId: string): Promise<number> {
  validateInstanceId(instanceId);
  const record = await client.taskHub.getInstance(instanceId);
  if (!record || !isTerminalStatus(record.status)) return 0;
  return (await client.purgeInstanceHistory(instanceId)).instancesDeleted;
}

/**
 * `PurgeInstances`: by instance ID, by a batch of IDs, or by filter (creation time range, default from the epoch to
 * now; statuses, default every finished one, active ones never purged). Taskhub purges an instance's
 * sub-orchestrations with it, whatever `recursive` says. The purge runs to its end: `isComplete` is true.
 */
export async function purgeInstances(
  client: DurableClient,
  request: PurgeInstancesRequest,
): Promise<MessageInput<PurgeInstancesResponse>> {
  let deleted = 0;
  switch (request.request) {
    case "instanceId":
      deleted = await purgeOne(client, request.instanceId);
      break;
    case "instanceBatch":
      for (const id of request.instanceBatch.instanceIds) deleted += await purgeOne(client, id);
      break;
    case "purgeInstanceFilter": {
      const filter = request.purgeInstanceFilter;
      const statuses = statusFilter(filter.runtimeStatus, "purgeInstanceFilter.runtimeStatus");
      if (statuses?.length === 0) break;
      const to = optionalTime(filter.createdTimeTo, "purgeInstanceFilter.createdTimeTo");
      const result = await client.purgeInstanceHistoryBy({
        createdTimeFrom: new Date(
          optionalTime(filter.createdTimeFrom, "purgeInstanceFilter.createdTimeFrom") ?? 0,
        ),
        ...(to !== undefined ? { createdTimeTo: new Date(to) } : {}),
        ...(statuses ? { runtimeStatus: statuses } : {}),
      });
      deleted = result.instancesDeleted;
      break;
    }
    default:
      throw new InvalidArgumentError(
        "PurgeInstances needs an instanceId, an instanceBatch or a purgeInstanceFilter.",
      );
  }
  return { deletedInstanceCount: deleted, isComplete: { value: true } };
}
