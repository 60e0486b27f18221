/**
 * The worker half of `TaskHubSidecarService`: `Hello`, the `GetWorkItems` stream, the completions and abandons.
 * Completions settle the dispatch their completion token names (see `work-item-streams.ts`); a token that is not
 * pending is refused with `NOT_FOUND` (the SDKs log it and move on).
 * @module
 */
import { status, type ServerUnaryCall, type ServerWritableStream, type sendUnaryData } from "@grpc/grpc-js";
import type { Logger } from "../core/logger.js";
import { activityKey, orchestrationKey, type SidecarRemoteWork } from "./remote-executor.js";
import type { StreamFilters } from "./work-item-streams.js";
import type {
  AbandonActivityTaskRequest,
  ActivityResponse,
  EntityBatchResult,
  GetWorkItemsRequest,
  OrchestratorResponse,
} from "./messages.js";

/** The abandon requests carry the completion token only. */
type AbandonRequest = AbandonActivityTaskRequest;
import type { RemoteWorkKind } from "../worker/remote-work.js";

type Unary<Req, Res> = (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => void;

/** The worker RPCs' handlers, for `grpc.Server.addService`. */
export interface WorkerHandlers {
  Hello: Unary<object, object>;
  GetWorkItems: (call: ServerWritableStream<GetWorkItemsRequest, object>) => void;
  CompleteOrchestratorTask: Unary<OrchestratorResponse, object>;
  CompleteActivityTask: Unary<ActivityResponse, object>;
  CompleteEntityTask: Unary<EntityBatchResult, object>;
  AbandonTaskOrchestratorWorkItem: Unary<AbandonRequest, object>;
  AbandonTaskActivityWorkItem: Unary<AbandonRequest, object>;
  AbandonTaskEntityWorkItem: Unary<AbandonRequest, object>;
}

/** The worker RPCs on `remote`'s streams. */
export function workerHandlers(remote: SidecarRemoteWork, log: Logger): WorkerHandlers {
  const streams = remote.streams;
  const stale = (what: string): { code: status; details: string } => ({
    code: status.NOT_FOUND,
    details: `No ${what} work item is pending under that completion token (it was completed, given up or never sent).`,
  });
  return {
    Hello: (_call, callback) => callback(null, {}),

    GetWorkItems: (call) => {
      const disconnect = streams.connect(
        { write: (item) => call.write(item), end: () => call.end() },
        filtersOf(call.request),
      );
      log.info(`An SDK worker connected (${streams.size} connected).`, { peer: call.getPeer() });
      let closed = false;
      const close = (why: string): void => {
        if (closed) return;
        closed = true;
        disconnect();
        log.info(`An SDK worker's stream ${why} (${streams.size} connected).`, { peer: call.getPeer() });
      };
      call.on("cancelled", () => close("was cancelled"));
      call.on("close", () => close("closed"));
      call.on("error", (error) => close(`failed: ${String(error)}`));
      call.on("finish", () => close("ended"));
    },

    CompleteOrchestratorTask: (call, callback) => {
      const response = call.request;
      if (
        streams.complete(
          "orchestration",
          response.completionToken ?? "",
          orchestrationKey(response.instanceId),
          response,
        )
      )
        callback(null, {});
      else callback(stale("orchestration"));
    },

    CompleteActivityTask: (call, callback) => {
      const response = call.request;
      const key = activityKey(response.instanceId, response.taskId);
      if (streams.complete("activity", response.completionToken ?? "", key, response)) callback(null, {});
      else callback(stale("activity"));
    },

    CompleteEntityTask: (call, callback) => {
      // EntityBatchResult names no instance: only its completion token finds the dispatch.
      if (streams.complete("entity", call.request.completionToken ?? "", "", call.request))
        callback(null, {});
      else callback(stale("entity"));
    },

    AbandonTaskOrchestratorWorkItem: (call, callback) => abandon("orchestration", call, callback),
    AbandonTaskActivityWorkItem: (call, callback) => abandon("activity", call, callback),
    AbandonTaskEntityWorkItem: (call, callback) => abandon("entity", call, callback),
  };

  function abandon(
    kind: RemoteWorkKind,
    call: ServerUnaryCall<AbandonRequest, object>,
    callback: sendUnaryData<object>,
  ): void {
    if (streams.abandon(kind, call.request.completionToken ?? "", "")) callback(null, {});
    else callback(stale(kind));
  }
}

/** The names a stream asked for (`workItemFilters`); none given: every name of every kind. */
function filtersOf(request: GetWorkItemsRequest): StreamFilters {
  const filters = request.workItemFilters;
  if (!filters) return {};
  const names = (list: readonly { readonly name: string }[] | null | undefined): ReadonlySet<string> =>
    new Set((list ?? []).map((f) => f.name));
  return {
    orchestration: names(filters.orchestrations),
    activity: names(filters.activities),
    // Entity names are case-insensitive (Taskhub's EntityId lower-cases them; the JS SDK sends them so).
    entity: new Set([...names(filters.entities)].map((name) => name.toLowerCase())),
  };
}
