/**
 * `StartInstance` on the durable client: the instance ID (a new one when empty), the scheduled start (epoch 0 or a
 * past time: now), version, tags, input (`""`: none) and the ID-reuse policy.
 *
 * Without a policy, Taskhub's rule applies (as for `startNew`): an ID held by a finished instance is reused, one held
 * by a Pending, Running or Suspended instance is refused with `ALREADY_EXISTS`. With a policy (its
 * `replaceableStatus`), an existing instance is replaced only when its status is listed, and only once it has
 * finished: a listed active status is still `ALREADY_EXISTS` (Taskhub replaces no running instance; terminate it
 * first). Every other existing instance is `ALREADY_EXISTS`. The request's `parentTraceContext` (the SDK's span) is
 * the parent of the start's span.
 * @module
 */
import { status } from "@grpc/grpc-js";
import { context } from "@opentelemetry/api";
import type { DurableClient } from "../client/durable-client.js";
import { InstanceAlreadyExistsError } from "../core/errors.js";
import { newInstanceId, validateInstanceId } from "../core/instance-id.js";
import { isTerminalStatus } from "../core/runtime-status.js";
import { contextOf } from "../tracing/span-context.js";
import { GrpcStatusError } from "./grpc-errors.js";
import type {
  CreateInstanceRequest,
  CreateInstanceResponse,
  OrchestrationIdReusePolicy,
} from "./messages.js";
import { jsonPayload, optionalString, optionalTime, statusFilter } from "./request-values.js";
import { fromWireTraceContext } from "./wire-values.js";

/** Starts the instance the request describes and returns its ID. */
export async function startInstance(
  client: DurableClient,
  request: CreateInstanceRequest,
): Promise<CreateInstanceResponse> {
  const instanceId = request.instanceId === "" ? newInstanceId() : request.instanceId;
  validateInstanceId(instanceId);
  const input = jsonPayload(request.input, "input");
  const scheduled = optionalTime(request.scheduledStartTimestamp, "scheduledStartTimestamp");
  const startAt = scheduled !== undefined && scheduled > client.clock.now() ? new Date(scheduled) : undefined;
  const tags = Object.keys(request.tags ?? {}).length > 0 ? request.tags : undefined;
  if (request.orchestrationIdReusePolicy)
    await checkReusePolicy(client, instanceId, request.orchestrationIdReusePolicy);
  // The SDK's span of the start (when it traces) is the parent of the hub's `create_orchestration` span.
  const parent = contextOf(fromWireTraceContext(request.parentTraceContext));
  await context.with(parent, () =>
    client.startNew(request.name, {
      instanceId,
      input,
      ...(startAt ? { startAt } : {}),
      ...(request.version ? { version: optionalString(request.version) ?? "" } : {}),
      ...(tags ? { tags } : {}),
    }),
  );
  return { instanceId };
}

/** Refuses the start when an instance holds the ID and the policy does not let it be replaced. */
async function checkReusePolicy(
  client: DurableClient,
  instanceId: string,
  policy: OrchestrationIdReusePolicy,
): Promise<void> {
  const existing = await client.taskHub.getInstance(instanceId);
  if (!existing) return;
  const replaceable =
    statusFilter(policy.replaceableStatus, "orchestrationIdReusePolicy.replaceableStatus") ?? [];
  if (!replaceable.includes(existing.status))
    throw isTerminalStatus(existing.status)
      ? new GrpcStatusError(
          status.ALREADY_EXISTS,
          `An orchestration instance with ID '${instanceId}' already exists (${existing.status}), and the reuse ` +
            `policy does not list ${existing.status} as replaceable.`,
        )
      : new InstanceAlreadyExistsError(instanceId, existing.status);
  if (!isTerminalStatus(existing.status))
    throw new GrpcStatusError(
      status.ALREADY_EXISTS,
      `An orchestration instance with ID '${instanceId}' already exists and is ${existing.status}; the reuse ` +
        `policy lets it be replaced, but Taskhub replaces an instance only once it has finished: terminate it first.`,
    );
}
