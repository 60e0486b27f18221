/**
 * Conformance hooks shared by the SQL backends' tests: corrupt stored rows with raw SQL.
 * @module
 */
import assert from "node:assert/strict";
import type { TaskHubConformanceOptions } from "../../src/testing/task-hub-conformance.js";
import { completionOf } from "../../src/testing/task-hub-conformance-support.js";
import type { OrchestrationWorkItem, TaskHub } from "../../src/task-hub/task-hub.js";
import { SqlTaskHub } from "../../src/sql/sql-task-hub.js";
import { MAX_MESSAGES_PER_WORK_ITEM } from "../../src/sql/sql-rows.js";
import type { SqlParams } from "../../src/sql/statement.js";

/** Not JSON. */
export const CORRUPT = '{"type": "EventRaised", truncated';

function sql(hub: TaskHub): SqlTaskHub {
  if (!(hub instanceof SqlTaskHub)) throw new Error("expected a SqlTaskHub");
  return hub;
}

/** Runs raw SQL (with `:name` parameters) on a SQL hub. */
export async function rawRun(hub: TaskHub, text: string, params: SqlParams = {}): Promise<number> {
  const h = sql(hub);
  return h.dialect.statement(text).run(h.driver, params);
}

/** Runs a raw query (with `:name` parameters) on a SQL hub. */
export async function rawQuery(
  hub: TaskHub,
  text: string,
  params: SqlParams = {},
): Promise<Record<string, unknown>[]> {
  const h = sql(hub);
  return h.dialect.statement(text).query(h.driver, params);
}

/** The qualified name of a hub table. */
export const table = (hub: TaskHub, name: string) => sql(hub).dialect.table(name);

/** Conformance options with the corruption hooks for SQL hubs. */
export const sqlConformanceHooks: TaskHubConformanceOptions = {
  maxMessagesPerWorkItem: MAX_MESSAGES_PER_WORK_ITEM,
  corruptInboxMessages: async (hub, instanceId) => {
    await rawRun(hub, `UPDATE ${table(hub, "inbox")} SET event = :event WHERE instance_id = :instanceId`, {
      event: CORRUPT,
      instanceId,
    });
  },
  corruptHistoryEvent: async (hub, instanceId, seq) => {
    const changed = await rawRun(
      hub,
      `UPDATE ${table(hub, "history")} SET event = :event WHERE instance_id = :instanceId AND seq = :seq`,
      { event: CORRUPT, instanceId, seq },
    );
    if (changed !== 1) throw new Error(`no history row ${instanceId}#${seq}`);
  },
};

/**
 * Checks that a completion whose transaction fails midway writes nothing and keeps its lease: `inject` makes
 * inserts into the activity queue fail (a trigger raising 'injected'), `remove` takes that away again.
 */
export async function assertFailedCompletionWritesNothing(
  hub: TaskHub,
  item: OrchestrationWorkItem,
  inject: () => Promise<unknown>,
  remove: () => Promise<unknown>,
): Promise<void> {
  const id = item.instanceId;
  await inject();
  const completion = completionOf(item, {
    newHistory: [item.messages[0]!.event],
    activities: [
      { instanceId: id, executionId: `${id}-exec-1`, taskId: 0, name: "A", attempt: 1, idempotencyKey: "k" },
    ],
  });
  await assert.rejects(hub.completeOrchestrationWorkItems([completion]), /injected/);
  assert.deepEqual(await hub.getHistory(id), []);
  assert.equal((await hub.getInstance(id))?.status, "Pending");
  assert.equal((await sql(hub).getStats()).inboxDepth, 1, "the consumed message is still there");
  await remove();
  assert.deepEqual(
    await hub.completeOrchestrationWorkItems([completion]),
    [undefined],
    "the lease is still held",
  );
  assert.equal((await hub.getInstance(id))?.historyLength, 1);
}
