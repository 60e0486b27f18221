/**
 * Cross-process notices for the PostgreSQL task hub: a dedicated connection LISTENing on the hub's channel.
 * @module
 */
import pg from "pg";
import type { TaskHubNotice } from "../../task-hub/task-hub.js";
import { quoteIdentifier } from "./pg-dialect.js";
import { decodeNoticePayload } from "../notice-bus.js";
import type { RemoteNoticeSource } from "../notice-bus.js";

const INITIAL_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 10_000;

/**
 * Listens on one NOTIFY channel with its own connection (not from the pool: a LISTEN must stay on one session).
 * When the connection dies it reconnects with exponential back-off, and after reconnecting it delivers generic
 * work notices (notifications sent while it was away are lost, so subscribers should look for work). Notices sent
 * by this process's own hub object (`origin`) are ignored: they were delivered in-process already.
 */
export class PgNoticeListener implements RemoteNoticeSource {
  private deliver: ((notices: readonly TaskHubNotice[]) => void) | undefined;
  private client: pg.Client | undefined;
  private closed = false;
  private readyPromise: Promise<void>;
  private markReady: () => void = () => {};
  private wakeSleeper: (() => void) | undefined;

  constructor(
    private readonly config: pg.ClientConfig,
    private readonly channel: string,
    private readonly isOwnOrigin: (origin: string) => boolean,
  ) {
    this.readyPromise = this.newReadyPromise();
  }

  start(deliver: (notices: readonly TaskHubNotice[]) => void): void {
    if (this.deliver || this.closed) return;
    this.deliver = deliver;
    void this.run();
  }

  ready(): Promise<void> {
    return this.deliver ? this.readyPromise : Promise.resolve();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.markReady();
    this.wakeSleeper?.();
    const client = this.client;
    this.client = undefined;
    if (client) await client.end().catch(() => undefined);
  }

  private newReadyPromise(): Promise<void> {
    return new Promise((resolve) => (this.markReady = resolve));
  }

  private async run(): Promise<void> {
    let backoff = INITIAL_BACKOFF_MS;
    let reconnecting = false;
    while (!this.closed) {
      const client = new pg.Client(this.config);
      const died = new Promise<void>((resolve) => {
        client.on("error", () => resolve());
        client.on("end", () => resolve());
      });
      client.on("notification", (message) => {
        if (message.channel !== this.channel || message.payload === undefined) return;
        const decoded = decodeNoticePayload(message.payload);
        if (decoded && !this.isOwnOrigin(decoded.origin) && decoded.notices.length > 0)
          this.deliver?.(decoded.notices);
      });
      try {
        await client.connect();
        await client.query(`LISTEN ${quoteIdentifier(this.channel)}`);
      } catch {
        await client.end().catch(() => undefined);
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        continue;
      }
      if (this.closed) {
        await client.end().catch(() => undefined);
        return;
      }
      this.client = client;
      backoff = INITIAL_BACKOFF_MS;
      this.markReady();
      if (reconnecting) this.deliver?.([{ kind: "orchestration-work" }, { kind: "activity-work" }]);
      await died;
      if (this.client === client) this.client = undefined;
      await client.end().catch(() => undefined);
      if (this.closed) return;
      this.readyPromise = this.newReadyPromise();
      reconnecting = true;
      await this.sleep(backoff);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref();
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeSleeper = done;
    });
  }
}
