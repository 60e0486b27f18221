/**
 * The pure orchestration executor: past history + new events in, actions + status out. No clock, no storage, no
 * network. (It is `async` only because it lets the orchestrator's promise continuations run between events.)
 * @module
 */
import type { HistoryEvent } from "../core/history-event.js";
import type { EpisodeResult } from "./episode.js";
import { OrchestrationSession, type SessionOptions } from "./orchestration-session.js";

/** Replays `pastEvents`, then applies `newEvents`, and returns what the orchestrator did. */
export async function executeOrchestration(
  options: SessionOptions,
  pastEvents: readonly HistoryEvent[],
  newEvents: readonly HistoryEvent[],
): Promise<EpisodeResult> {
  const session = new OrchestrationSession(options);
  await session.replay(pastEvents);
  return session.execute(newEvents);
}
