/**
 * The client half of `TaskHubSidecarService`, on a durable client of the sidecar's hub: starting, reading, waiting
 * for, controlling, querying and purging instances, and streaming their history (the entity RPCs are served
 * elsewhere). Request fields are checked (`INVALID_ARGUMENT` naming the field); Taskhub's errors become
 * the statuses the Durable Task SDKs expect (`./grpc-errors.ts`); a call never crashes the server, and no stack
 * trace reaches a caller.
 * @module
 */
import {
  status,
  type ServerUnaryCall,
  type ServerWritableStream,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import type { DurableClient } from "../client/durable-client.js";
import { validateInstanceId } from "../core/instance-id.js";
import { toLogger, type Logger, type LogSink } from "../core/logger.js";
import { grpcFailureOf, GrpcStatusError, unaryHandler } from "./grpc-errors.js";
import { raiseEvent, purgeInstances, restartInstance, terminateInstance } from "./instance-commands.js";
import { historyChunks } from "./instance-history.js";
import { listInstanceIds, queryInstances } from "./instance-queries.js";
import { startInstance } from "./instance-starts.js";
import { instanceResponse } from "./instance-state.js";
import { InstanceWaits, type WaitOutcome } from "./instance-waits.js";
import type {
  CreateInstanceRequest,
  GetInstanceRequest,
  GetInstanceResponse,
  ListInstanceIdsRequest,
  MessageInput,
  PurgeInstancesRequest,
  QueryInstancesRequest,
  RaiseEventRequest,
  RestartInstanceRequest,
  ResumeRequest,
  RewindInstanceRequest,
  StreamInstanceHistoryRequest,
  SuspendRequest,
  TerminateRequest,
} from "./messages.js";
import { optionalString } from "./request-values.js";
import { systemClock } from "../task-hub/clock.js";

/** The client RPCs served by {@link sidecarClientHandlers}. */
export const CLIENT_METHODS = [
  "StartInstance",
  "GetInstance",
  "WaitForInstanceStart",
  "WaitForInstanceCompletion",
  "RaiseEvent",
  "TerminateInstance",
  "SuspendInstance",
  "ResumeInstance",
  "PurgeInstances",
  "QueryInstances",
  "ListInstanceIds",
  "RestartInstance",
  "RewindInstance",
  "StreamInstanceHistory",
] as const;

/**
 * The handlers of the client RPCs ({@link CLIENT_METHODS}) on `client`, for `grpc.Server.addService` (the sidecar
 * server merges them with the worker's). `log` gets the errors a caller is only told happened.
 */
export function sidecarClientHandlers(client: DurableClient, log: LogSink): UntypedServiceImplementation {
  const logger = toLogger(log);
  const waits = new InstanceWaits(client.taskHub);
  const unary = <Req, Res>(
    method: (typeof CLIENT_METHODS)[number],
    run: (request: Req, call: ServerUnaryCall<Req, Res>) => Promise<Res>,
  ) => unaryHandler(method, logger, run);
  const done = {};
  return {
    StartInstance: unary("StartInstance", (request: CreateInstanceRequest) => startInstance(client, request)),
    GetInstance: unary("GetInstance", async (request: GetInstanceRequest) => {
      validateInstanceId(request.instanceId);
      return instanceResponse(
        await client.taskHub.getInstance(request.instanceId),
        request.getInputsAndOutputs,
      );
    }),
    WaitForInstanceStart: unary("WaitForInstanceStart", (request: GetInstanceRequest, call) =>
      waitFor("start", request, call),
    ),
    WaitForInstanceCompletion: unary("WaitForInstanceCompletion", (request: GetInstanceRequest, call) =>
      waitFor("completion", request, call),
    ),
    RaiseEvent: unary("RaiseEvent", async (request: RaiseEventRequest) => {
      await raiseEvent(client, request);
      return done;
    }),
    TerminateInstance: unary("TerminateInstance", async (request: TerminateRequest) => {
      await terminateInstance(client, request);
      return done;
    }),
    SuspendInstance: unary("SuspendInstance", async (request: SuspendRequest) => {
      await client.suspend(request.instanceId, optionalString(request.reason));
      return done;
    }),
    ResumeInstance: unary("ResumeInstance", async (request: ResumeRequest) => {
      await client.resume(request.instanceId, optionalString(request.reason));
      return done;
    }),
    PurgeInstances: unary("PurgeInstances", (request: PurgeInstancesRequest) =>
      purgeInstances(client, request),
    ),
    QueryInstances: unary("QueryInstances", (request: QueryInstancesRequest) =>
      queryInstances(client.taskHub, request.query),
    ),
    ListInstanceIds: unary("ListInstanceIds", (request: ListInstanceIdsRequest) =>
      listInstanceIds(client.taskHub, request),
    ),
    RestartInstance: unary("RestartInstance", (request: RestartInstanceRequest) =>
      restartInstance(client, request),
    ),
    RewindInstance: unary("RewindInstance", async (request: RewindInstanceRequest) => {
      await client.rewind(request.instanceId, optionalString(request.reason));
      return done;
    }),
    StreamInstanceHistory: (call: ServerWritableStream<StreamInstanceHistoryRequest, unknown>) =>
      void streamHistory(client, call, logger),
  };

  /** A wait of `WaitForInstanceStart` / `WaitForInstanceCompletion`, until the call's deadline or its cancellation. */
  async function waitFor(
    what: "start" | "completion",
    request: GetInstanceRequest,
    call: ServerUnaryCall<unknown, unknown>,
  ): Promise<MessageInput<GetInstanceResponse>> {
    validateInstanceId(request.instanceId);
    const aborter = new AbortController();
    const cancel = (): void => aborter.abort();
    call.on("cancelled", cancel);
    if (call.cancelled) aborter.abort();
    try {
      const limit = waitLimitMs(call.getDeadline());
      const outcome: WaitOutcome =
        what === "start"
          ? await waits.start(request.instanceId, limit, aborter.signal)
          : await waits.completion(request.instanceId, limit, aborter.signal);
      switch (outcome.kind) {
        case "missing":
          return instanceResponse(undefined, false);
        case "reached":
          return instanceResponse(outcome.record, request.getInputsAndOutputs);
        case "gave-up":
          throw outcome.cancelled
            ? new GrpcStatusError(status.CANCELLED, `The wait for '${request.instanceId}' was cancelled.`)
            : new GrpcStatusError(
                status.DEADLINE_EXCEEDED,
                `Orchestration '${request.instanceId}' did not ${what === "start" ? "start" : "finish"} before the ` +
                  `call's deadline (it is ${outcome.record.status}).`,
              );
      }
    } finally {
      call.off("cancelled", cancel);
    }
  }
}

/**
 * How long a wait may last: until the call's gRPC deadline, or without limit when it has none. Deadlines are real
 * time (`now`: the system clock's, whatever clock the hub keeps).
 */
export function waitLimitMs(deadline: Date | number, now: number = systemClock.now()): number {
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  return Number.isFinite(at) ? Math.max(0, at - now) : Number.POSITIVE_INFINITY;
}

/** Writes the history chunks, then ends the stream; a failure ends it with its status instead. */
async function streamHistory(
  client: DurableClient,
  call: ServerWritableStream<StreamInstanceHistoryRequest, unknown>,
  log: Logger,
): Promise<void> {
  try {
    const chunks = await historyChunks(client, call.request);
    for (const chunk of chunks) {
      if (call.cancelled) return;
      call.write(chunk);
    }
    call.end();
  } catch (error) {
    call.emit("error", grpcFailureOf(error, "StreamInstanceHistory", log));
  }
}
