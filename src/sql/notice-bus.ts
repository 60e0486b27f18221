/**
 * In-process delivery of {@link TaskHubNotice}s, and the wire format used to carry them between processes.
 * @module
 */
import { EventEmitter } from "node:events";
import type { TaskHubNotice } from "../task-hub/task-hub.js";

const EVENT = "notice";

/**
 * Delivers notices to in-process subscribers. A listener that throws does not disturb the committing caller or the
 * other listeners (the error is reported with `process.emitWarning`).
 */
export class NoticeBus {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  /** Delivers `notices` to every subscriber, synchronously. */
  emit(notices: readonly TaskHubNotice[]): void {
    for (const notice of notices) this.emitter.emit(EVENT, notice);
  }

  /** Adds a listener; returns the function that removes it (idempotent). */
  subscribe(listener: (notice: TaskHubNotice) => void): () => void {
    const guarded = (notice: TaskHubNotice): void => {
      try {
        listener(notice);
      } catch (error) {
        process.emitWarning(
          `A task hub notice listener threw: ${error instanceof Error ? error.stack : String(error)}`,
        );
      }
    };
    this.emitter.on(EVENT, guarded);
    return () => {
      this.emitter.off(EVENT, guarded);
    };
  }

  /** Number of subscribers. */
  get listenerCount(): number {
    return this.emitter.listenerCount(EVENT);
  }
}

/** Largest notification payload we send (PostgreSQL's limit is 8000 bytes). */
const MAX_PAYLOAD = 7000;

/**
 * Encodes notices into as few payloads as fit the size limit, each tagged with the sender's `origin` so the sender
 * can ignore its own notifications (it already delivered them in-process).
 */
export function encodeNoticePayloads(origin: string, notices: readonly TaskHubNotice[]): string[] {
  const payloads: string[] = [];
  let batch: string[] = [];
  let size = 0;
  const flush = () => {
    if (batch.length > 0) payloads.push(`{"o":${JSON.stringify(origin)},"n":[${batch.join(",")}]}`);
    batch = [];
    size = 0;
  };
  for (const notice of notices) {
    const text = JSON.stringify(notice);
    if (text.length > MAX_PAYLOAD - 100) continue;
    if (size + text.length > MAX_PAYLOAD - 100) flush();
    batch.push(text);
    size += text.length + 1;
  }
  flush();
  return payloads;
}

/** Decodes a payload from {@link encodeNoticePayloads}; `undefined` when it is not one. */
export function decodeNoticePayload(
  payload: string,
): { origin: string; notices: TaskHubNotice[] } | undefined {
  try {
    const value = JSON.parse(payload) as { o?: unknown; n?: unknown };
    if (typeof value.o !== "string" || !Array.isArray(value.n)) return undefined;
    const notices = (value.n as unknown[]).filter(isNotice);
    return { origin: value.o, notices };
  } catch {
    return undefined;
  }
}

function isNotice(value: unknown): value is TaskHubNotice {
  if (typeof value !== "object" || value === null) return false;
  const kind = (value as { kind?: unknown }).kind;
  return kind === "orchestration-work" || kind === "activity-work" || kind === "instance-updated";
}

/** Notices from other processes (PostgreSQL LISTEN/NOTIFY). */
export interface RemoteNoticeSource {
  /** Starts listening, if not already; `deliver` receives notices committed by other processes. */
  start(deliver: (notices: readonly TaskHubNotice[]) => void): void;
  /** Resolves once the listener is connected and listening (immediately when not started). */
  ready(): Promise<void>;
  /** Stops listening. Idempotent. */
  close(): Promise<void>;
}
