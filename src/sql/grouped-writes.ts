/**
 * Group commit for small independent writes (creating instances, appending inbox messages): writes submitted while
 * a transaction is in flight, or in the same tick, share the next transaction. Each write runs inside its own
 * savepoint, so one that fails (for example a duplicate instance ID) is rolled back alone and only its caller sees
 * the error; the others commit together. Many concurrent `startNew` calls then cost one disk flush, not one each.
 * @module
 */
import type { TaskHubNotice } from "../task-hub/task-hub.js";
import { isRetryableTransactionError, type SqlExecutor } from "./sql-driver.js";

/** One grouped write: the same shape as a `HubContext.write` callback. */
export type GroupedWrite<T> = (tx: SqlExecutor, notices: TaskHubNotice[]) => Promise<T>;

interface Pending {
  readonly fn: GroupedWrite<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

type Outcome =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/** Runs grouped writes; `transact` runs one transaction (publishing the notices it is given after commit). */
export class GroupedWrites {
  #queue: Pending[] = [];
  #running = false;

  constructor(
    private readonly transact: (
      fn: (tx: SqlExecutor, notices: TaskHubNotice[]) => Promise<Outcome[]>,
    ) => Promise<Outcome[]>,
    private readonly maxBatch = 500,
  ) {}

  /** Queues `fn`; resolves or rejects with its own outcome once its transaction committed. */
  submit<T>(fn: GroupedWrite<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#running) {
        this.#running = true;
        setImmediate(() => void this.#drain());
      }
    });
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.maxBatch);
        let outcomes: Outcome[];
        try {
          outcomes = await this.transact(async (tx, notices) => {
            // Alone in its transaction, a write needs no savepoint: if it fails, the whole transaction rolls back.
            if (batch.length === 1) return [{ ok: true, value: await batch[0]!.fn(tx, notices) }];
            const results: Outcome[] = [];
            for (const item of batch) {
              const own: TaskHubNotice[] = [];
              // SAVEPOINT and the write's deferred statements travel with RELEASE (one round trip on PostgreSQL),
              // so that a deferred statement's failure is still this write's own.
              void tx.defer("SAVEPOINT grouped_write");
              try {
                const value = await item.fn(tx, own);
                await tx.run("RELEASE SAVEPOINT grouped_write");
                notices.push(...own);
                results.push({ ok: true, value });
              } catch (error) {
                // A serialization failure or deadlock aborts the whole transaction: let the driver retry it.
                if (isRetryableTransactionError(error)) throw error;
                await tx.run("ROLLBACK TO SAVEPOINT grouped_write");
                await tx.run("RELEASE SAVEPOINT grouped_write");
                results.push({ ok: false, error });
              }
            }
            return results;
          });
        } catch (error) {
          for (const item of batch) item.reject(error);
          continue;
        }
        batch.forEach((item, i) => {
          const outcome = outcomes[i]!;
          if (outcome.ok) item.resolve(outcome.value);
          else item.reject(outcome.error);
        });
      }
    } finally {
      this.#running = false;
    }
  }
}
