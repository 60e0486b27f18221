/**
 * `StreamInstanceHistory`: the current execution's history as a stream of `HistoryChunk`s (Taskhub keeps only the
 * current execution's; asking for another execution is `NOT_FOUND`, as for an unknown instance).
 * @module
 */
import { status } from "@grpc/grpc-js";
import type { DurableClient } from "../client/durable-client.js";
import { InstanceNotFoundError } from "../core/errors.js";
import type { HistoryEvent } from "../core/history-event.js";
import { validateInstanceId } from "../core/instance-id.js";
import { GrpcStatusError } from "./grpc-errors.js";
import { toWireHistoryEvent } from "./history-events.js";
import type { HistoryChunk, MessageInput, StreamInstanceHistoryRequest } from "./messages.js";

/** How many events one `HistoryChunk` carries at most. */
export const HISTORY_CHUNK_EVENTS = 200;

/** The history the request asks for, in chunks. */
export async function historyChunks(
  client: DurableClient,
  request: StreamInstanceHistoryRequest,
): Promise<MessageInput<HistoryChunk>[]> {
  validateInstanceId(request.instanceId);
  const record = await client.taskHub.getInstance(request.instanceId);
  if (!record) throw new InstanceNotFoundError(request.instanceId);
  const executionId = request.executionId?.value;
  if (executionId !== undefined && executionId !== "" && executionId !== record.executionId)
    throw new GrpcStatusError(
      status.NOT_FOUND,
      `Orchestration '${request.instanceId}' has no execution '${executionId}' in the task hub (its current ` +
        `execution is '${record.executionId}'; earlier ones are not kept).`,
    );
  const history: readonly HistoryEvent[] = await client.taskHub.getHistory(request.instanceId);
  const chunks: MessageInput<HistoryChunk>[] = [];
  for (let i = 0; i < history.length; i += HISTORY_CHUNK_EVENTS)
    chunks.push({ events: history.slice(i, i + HISTORY_CHUNK_EVENTS).map(toWireHistoryEvent) });
  return chunks;
}
