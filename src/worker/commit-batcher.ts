/**
 * Group commit: completions submitted while a commit is in flight are written together in the next one.
 * @module
 */

/** Batches items submitted in the same tick (and during an in-flight flush) into one `flush` call. */
export class CommitBatcher<I, O> {
  #queue: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  #running = false;
  #idle: Promise<void> = Promise.resolve();

  constructor(
    private readonly flush: (items: I[]) => Promise<readonly O[]>,
    private readonly maxBatch = 256,
  ) {}

  /** Queues `item`; resolves with its own outcome once its batch is committed. */
  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      if (!this.#running) {
        this.#running = true;
        this.#idle = new Promise((done) => setImmediate(() => void this.#run().finally(done)));
      }
    });
  }

  /** Resolves when everything submitted so far has been flushed. */
  async drain(): Promise<void> {
    while (this.#running) await this.#idle;
  }

  async #run(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.maxBatch);
        try {
          const outcomes = await this.flush(batch.map((b) => b.item));
          batch.forEach((b, i) => b.resolve(outcomes[i] as O));
        } catch (error) {
          for (const b of batch) b.reject(error);
        }
      }
    } finally {
      this.#running = false;
    }
  }
}
