/**
 * Conformance tests: listing, purging, stats, notices, corrupted rows.
 * @module
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import { InvalidArgumentError } from "../core/errors.js";
import { systemClock } from "../task-hub/clock.js";
import { MAX_INSTANCE_IDS } from "../task-hub/instance-filter.js";
import type { InstanceRecord, TaskHub, TaskHubNotice } from "../task-hub/task-hub.js";
import {
  assertOutcomes,
  completionOf,
  createWithStatus,
  eventually,
  lockInstance,
  newInstance,
  raised,
  rejectsWith,
  sleep,
  stamp,
  type ConformanceEnv,
} from "./task-hub-conformance-support.js";

async function listAll(
  hub: TaskHub,
  query: Parameters<TaskHub["listInstances"]>[0],
): Promise<InstanceRecord[]> {
  const all: InstanceRecord[] = [];
  let token: string | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const page = await hub.listInstances({ ...query, continuationToken: token });
    all.push(...page.instances);
    token = page.continuationToken;
    if (token === undefined) return all;
    assert.ok(page.instances.length > 0, "a page with a continuation token is not empty");
  }
  assert.fail("too many pages");
}

const ids = (records: readonly InstanceRecord[]) => records.map((r) => r.instanceId);

/** Registers the query tests. */
export function queryTests(env: ConformanceEnv): void {
  it("pages through all instances in (createdAt, instanceId) order without duplicates or gaps", async () => {
    const { hub } = env;
    const created: string[] = [];
    for (let i = 0; i < 23; i++) {
      const id = `page-${(i * 7) % 23}`;
      await hub.createInstance(newInstance(id));
      created.push(id);
      if (i % 5 === 0) await sleep(3);
    }
    const records = await listAll(hub, { pageSize: 4 });
    assert.equal(records.length, 23);
    assert.equal(new Set(ids(records)).size, 23);
    const expected = [...records].sort((a, b) =>
      a.createdAt !== b.createdAt ? a.createdAt - b.createdAt : a.instanceId < b.instanceId ? -1 : 1,
    );
    assert.deepEqual(ids(records), ids(expected));
    assert.deepEqual([...ids(records)].sort(), [...created].sort());
    const single = await hub.listInstances({ pageSize: 100 });
    assert.equal(single.instances.length, 23);
    assert.equal(single.continuationToken, undefined);
    const exact = await hub.listInstances({ pageSize: 23 });
    assert.equal(exact.instances.length, 23);
    assert.equal(exact.continuationToken, undefined, "no token when nothing follows");
  });

  it("filters by a list of instance IDs (with other filters), and rejects too long a list", async () => {
    const { hub } = env;
    await createWithStatus(hub, "ids-done", "Completed");
    await createWithStatus(hub, "ids-failed", "Failed");
    await hub.createInstance(newInstance("ids-pending"));
    await hub.createInstance(newInstance("ids-other"));
    const watched = ["ids-done", "ids-failed", "ids-pending", "ids-missing", "ids-pending"];
    assert.deepEqual(ids(await listAll(hub, { instanceIds: watched })).sort(), [
      "ids-done",
      "ids-failed",
      "ids-pending",
    ]);
    assert.deepEqual(
      ids(
        await listAll(hub, { instanceIds: watched, statuses: ["Completed", "Failed", "Terminated"] }),
      ).sort(),
      ["ids-done", "ids-failed"],
    );
    assert.deepEqual(ids(await listAll(hub, { instanceIds: [] })), [], "an empty list matches nothing");
    const many = Array.from({ length: MAX_INSTANCE_IDS }, (_, i) => `ids-${i}`);
    assert.deepEqual(ids(await listAll(hub, { instanceIds: [...many.slice(1), "ids-other"] })), [
      "ids-other",
    ]);
    await assert.rejects(hub.listInstances({ instanceIds: [...many, "one-more"] }), InvalidArgumentError);
  });

  it("filters by status, creation time, ID prefix, and omits payloads on request", async () => {
    const { hub } = env;
    await createWithStatus(hub, "a%b-1", "Completed", { input: '"in"' });
    await sleep(5);
    await createWithStatus(hub, "a%b-2", "Failed");
    await sleep(5);
    await hub.createInstance(newInstance("axb-3", { input: '"x"' }));
    await hub.createInstance(newInstance("A%b-4"));
    await hub.createInstance(newInstance("a_b-5"));
    const all = await listAll(hub, {});
    const at = (id: string) => all.find((r) => r.instanceId === id)!.createdAt;

    assert.deepEqual(ids(await listAll(hub, { instanceIdPrefix: "a%b" })).sort(), ["a%b-1", "a%b-2"]);
    assert.deepEqual(ids(await listAll(hub, { instanceIdPrefix: "a_b" })), ["a_b-5"]);
    assert.deepEqual(
      ids(await listAll(hub, { instanceIdPrefix: "A" })),
      ["A%b-4"],
      "prefixes are case-sensitive",
    );
    assert.deepEqual(ids(await listAll(hub, { statuses: ["Completed", "Failed"] })).sort(), [
      "a%b-1",
      "a%b-2",
    ]);
    assert.deepEqual(ids(await listAll(hub, { statuses: ["Pending"], instanceIdPrefix: "a" })).sort(), [
      "a_b-5",
      "axb-3",
    ]);
    const from = at("a%b-2");
    const inRange = await listAll(hub, { createdFrom: from, createdTo: at("a%b-2") });
    assert.ok(ids(inRange).includes("a%b-2"), "createdFrom and createdTo are inclusive");
    assert.ok(!ids(inRange).includes("a%b-1") || at("a%b-1") === from);
    assert.deepEqual(ids(await listAll(hub, { createdTo: at("a%b-1") })), ["a%b-1"]);
    assert.equal(
      (await listAll(hub, { createdFrom: at("axb-3") })).every((r) => r.createdAt >= at("axb-3")),
      true,
    );

    const withPayloads = (await listAll(hub, { instanceIdPrefix: "a%b-1" }))[0];
    assert.equal(withPayloads?.input, '"in"');
    assert.equal(withPayloads?.output, '"done"');
    const bare = (await listAll(hub, { instanceIdPrefix: "a%b-1", includePayloads: false }))[0];
    assert.equal(bare?.status, "Completed");
    assert.equal(bare?.input, undefined);
    assert.equal(bare?.output, undefined);
    assert.equal(bare?.customStatus, undefined);
  });

  it("filters by orchestration name and version, exactly, alone and with other filters", async () => {
    const { hub } = env;
    await createWithStatus(hub, "nv-1", "Completed", { name: "Order", version: "1.0" });
    await createWithStatus(hub, "nv-2", "Failed", { name: "Order", version: "2.0" });
    await hub.createInstance(newInstance("nv-3", { name: "Order" }));
    await hub.createInstance(newInstance("nv-4", { name: "order", version: "1.0" }));
    await hub.createInstance(newInstance("nv-5", { name: "Invoice", version: "1.0" }));
    await hub.createInstance(newInstance("nv-6", { name: "Invoice", version: "" }));
    const sorted = async (query: Parameters<TaskHub["listInstances"]>[0]) =>
      ids(await listAll(hub, { ...query, pageSize: 2 })).sort();

    assert.deepEqual(await sorted({ name: "Order" }), ["nv-1", "nv-2", "nv-3"], "names are case-sensitive");
    assert.deepEqual(await sorted({ name: "Ord" }), [], "names match exactly, not as a prefix");
    assert.deepEqual(await sorted({ version: "1.0" }), ["nv-1", "nv-4", "nv-5"]);
    assert.deepEqual(await sorted({ version: "" }), ["nv-6"], "an empty version is a version");
    assert.deepEqual(await sorted({ name: "Order", version: "2.0" }), ["nv-2"]);
    assert.deepEqual(await sorted({ name: "Order", statuses: ["Completed", "Pending"] }), ["nv-1", "nv-3"]);
    assert.deepEqual(await sorted({ version: "1.0", statuses: ["Pending"], instanceIdPrefix: "nv-" }), [
      "nv-4",
      "nv-5",
    ]);
    assert.deepEqual(await sorted({ name: "Invoice", instanceIds: ["nv-5", "nv-1"] }), ["nv-5"]);
    await rejectsWith(hub.listInstances({ name: 7 as never }), "InvalidArgumentError");
    await rejectsWith(hub.listInstances({ version: null as never }), "InvalidArgumentError");

    assert.equal(await hub.purgeInstances({ name: "Order", version: "2.0" }), 1);
    assert.deepEqual(await sorted({ name: "Order" }), ["nv-1", "nv-3"], "purges by name and version");
  });

  it("stores tags with the instance and filters by them, alone, together and with other filters", async () => {
    const { hub } = env;
    const acme = { tenant: "acme" };
    await createWithStatus(hub, "tg-1", "Completed", { name: "Order", tags: { ...acme, region: "eu" } });
    await createWithStatus(hub, "tg-2", "Failed", { name: "Order", tags: { tenant: "globex" } });
    await hub.createInstance(newInstance("tg-3", { name: "Invoice", tags: { ...acme, region: "us" } }));
    await hub.createInstance(newInstance("tg-4", { name: "Order", tags: { tenant: "ACME" } }));
    await hub.createInstance(newInstance("tg-5", { name: "Order" }));
    await hub.createInstance(newInstance("tg-6", { name: "Order", tags: { "odd key \"'.$[]": "välue ✓" } }));
    for (let i = 0; i < 7; i++) await hub.createInstance(newInstance(`tg-many-${i}`, { tags: acme }));
    const sorted = async (query: Parameters<TaskHub["listInstances"]>[0]) =>
      ids(await listAll(hub, { ...query, pageSize: 2 })).sort();

    assert.deepEqual((await hub.getInstance("tg-1"))?.tags, { tenant: "acme", region: "eu" });
    assert.equal((await hub.getInstance("tg-5"))?.tags, undefined, "no tags: none shown");
    const many = [0, 1, 2, 3, 4, 5, 6].map((i) => `tg-many-${i}`);
    assert.deepEqual(await sorted({ tags: acme }), ["tg-1", "tg-3", ...many], "values are case-sensitive");
    assert.deepEqual(await sorted({ tags: { ...acme, region: "us" } }), ["tg-3"], "every tag must match");
    assert.deepEqual(await sorted({ tags: { region: "eu" } }), ["tg-1"]);
    assert.deepEqual(await sorted({ tags: { tenant: "acm" } }), [], "values match exactly");
    assert.deepEqual(await sorted({ tags: { "odd key \"'.$[]": "välue ✓" } }), ["tg-6"], "any key text");
    assert.deepEqual(await sorted({ tags: acme, statuses: ["Completed", "Pending"], name: "Order" }), [
      "tg-1",
    ]);
    assert.deepEqual(await sorted({ tags: acme, instanceIdPrefix: "tg-many-" }), many);
    assert.deepEqual(await sorted({ tags: {} }), await sorted({ instanceIdPrefix: "tg-" }), "{}: no filter");
    const first = await hub.listInstances({ tags: acme, pageSize: 3, includePayloads: false });
    assert.deepEqual(ids([...first.instances]), ["tg-1", "tg-3", "tg-many-0"], "listing order");
    assert.ok(first.continuationToken !== undefined);
    await rejectsWith(hub.listInstances({ tags: { tenant: 7 } as never }), "InvalidArgumentError");
    await rejectsWith(hub.listInstances({ tags: ["acme"] as never }), "InvalidArgumentError");
    await rejectsWith(hub.listInstances({ tags: { "": "x" } }), "InvalidArgumentError");

    // A step (a new execution, as continue-as-new commits it) keeps the tags; a new instance with the ID replaces them.
    const item = await lockInstance(hub, "tg-3");
    assertOutcomes(
      await hub.completeOrchestrationWorkItems([
        completionOf(item, { replaceHistory: true, instance: { executionId: "tg-3-exec-2" } }),
      ]),
      ["ok"],
    );
    assert.deepEqual(
      (await hub.getInstance("tg-3"))?.tags,
      { tenant: "acme", region: "us" },
      "kept by a step",
    );
    await hub.createInstance(newInstance("tg-1", { tags: { tenant: "initech" } }));
    assert.deepEqual(
      (await hub.getInstance("tg-1"))?.tags,
      { tenant: "initech" },
      "replaced with the instance",
    );
    assert.deepEqual(await sorted({ tags: { region: "eu" } }), [], "the old tags no longer match");
    await createWithStatus(hub, "tg-7", "Completed", { tags: { tenant: "initech" } });
    await hub.createInstance(newInstance("tg-7"));
    assert.equal((await hub.getInstance("tg-7"))?.tags, undefined, "a new instance without tags has none");

    await createWithStatus(hub, "tg-8", "Completed", { tags: { tenant: "globex" } });
    assert.equal(await hub.purgeInstances({ tags: { tenant: "globex" } }), 2, "purges by tags");
    assert.deepEqual(await sorted({ tags: { tenant: "globex" } }), []);
  });

  it("pages through several statuses, and after a later createdFrom, in order without duplicates or gaps", async () => {
    const { hub } = env;
    const statuses = ["Completed", "Failed", "Pending"] as const;
    for (let i = 0; i < 15; i++) {
      const id = `ms-${(i * 4) % 15}`;
      const status = statuses[i % 3]!;
      if (status === "Pending") await hub.createInstance(newInstance(id));
      else await createWithStatus(hub, id, status);
      if (i % 4 === 0) await sleep(2);
    }
    await createWithStatus(hub, "ms-terminated", "Terminated");
    const all = await listAll(hub, { pageSize: 100 });
    const expected = (keep: (r: InstanceRecord) => boolean) => ids(all.filter(keep));
    for (const pageSize of [1, 2, 4])
      assert.deepEqual(
        ids(await listAll(hub, { statuses: ["Pending", "Completed", "Failed", "Pending"], pageSize })),
        expected((r) => r.status !== "Terminated"),
        `in order, page size ${pageSize}`,
      );
    // A page boundary, then a createdFrom after it: the later bound holds.
    const first = await hub.listInstances({ statuses: ["Completed", "Failed"], pageSize: 1 });
    const from = all[8]!.createdAt;
    const rest = await listAll(hub, {
      statuses: ["Completed", "Failed"],
      createdFrom: from,
      pageSize: 2,
      continuationToken: first.continuationToken,
    });
    assert.deepEqual(
      ids(rest),
      expected((r) => (r.status === "Completed" || r.status === "Failed") && r.createdAt >= from),
    );
  });

  it("filters by ID prefixes with few and many matches, multi-byte and at the end of the code points", async () => {
    const { hub } = env;
    // With page size 1, 40 matches are SQLite's limit for sorting a prefix's matches (20 pages of 2 rows).
    for (let i = 0; i < 45; i++) await hub.createInstance(newInstance(`many-${i % 9}-${i}`));
    for (const id of ["few-1", "few-2", "fex", "few", "éa", "éb", "êa", "e\u{10FFFF}x", "e\u{10FFFF}", "f"])
      await hub.createInstance(newInstance(id));
    const all = await listAll(hub, { pageSize: 100 });
    const expected = (prefix: string) => ids(all.filter((r) => r.instanceId.startsWith(prefix)));
    for (const prefix of ["many-", "many-3", "few", "few-", "é", "e\u{10FFFF}", "\u{10FFFF}", "m"])
      for (const pageSize of [1, 3, 100])
        assert.deepEqual(
          ids(await listAll(hub, { instanceIdPrefix: prefix, pageSize })),
          expected(prefix),
          `prefix ${JSON.stringify(prefix)}, page size ${pageSize}`,
        );
    assert.deepEqual(
      ids(await listAll(hub, { instanceIdPrefix: "many-", statuses: ["Pending"], pageSize: 1 })),
      expected("many-"),
    );
    await rejectsWith(hub.listInstances({ instanceIdPrefix: "a\uD800" }), "InvalidArgumentError");
  });

  it("rejects a malformed continuation token", async () => {
    const { hub } = env;
    await hub.createInstance(newInstance("tok"));
    for (const token of ["garbage!!", "eyJub3QiOiJ0aGlzIn0", ""])
      await rejectsWith(hub.listInstances({ continuationToken: token }), "InvalidArgumentError");
  });

  it("purges one finished instance with its history, inbox and activities", async () => {
    const { hub } = env;
    await hub.createInstance(newInstance("victim"));
    const item = await lockInstance(hub, "victim");
    assertOutcomes(
      await hub.completeOrchestrationWorkItems([
        completionOf(item, {
          status: "Completed",
          newHistory: [raised("h")],
          activities: [
            {
              instanceId: "victim",
              executionId: "victim-exec-1",
              taskId: 0,
              name: "A",
              attempt: 1,
              idempotencyKey: "v",
            },
          ],
        }),
      ]),
      ["ok"],
    );
    await hub.appendInboxMessage({
      instanceId: "victim",
      event: raised("late"),
      visibleAt: systemClock.now() + 60_000,
    });
    await createWithStatus(hub, "bystander", "Completed");
    assert.equal(await hub.purgeInstances({ instanceId: "victim" }), 1);
    assert.equal(await hub.getInstance("victim"), undefined);
    assert.deepEqual(await hub.getHistory("victim"), []);
    const stats = await hub.getStats();
    assert.equal(stats.activityQueueDepth, 0);
    assert.equal(stats.inboxDepth, 0);
    assert.equal((await hub.getInstance("bystander"))?.status, "Completed");
    assert.equal(await hub.purgeInstances({ instanceId: "victim" }), 0);
  });

  it("never purges Pending, Running, Suspended or ContinuedAsNew instances", async () => {
    const { hub } = env;
    await createWithStatus(hub, "running", "Running");
    await createWithStatus(hub, "suspended", "Suspended");
    await createWithStatus(hub, "can", "ContinuedAsNew");
    await createWithStatus(hub, "done", "Completed");
    await createWithStatus(hub, "failed", "Failed");
    await createWithStatus(hub, "terminated", "Terminated");
    await hub.createInstance(newInstance("pending"));
    assert.equal(await hub.purgeInstances({ instanceId: "running" }), 0);
    assert.equal(await hub.purgeInstances({ statuses: ["Running", "Pending"] }), 0);
    assert.equal(await hub.purgeInstances({ statuses: ["Failed"] }), 1);
    assert.equal(await hub.purgeInstances({}), 2);
    assert.deepEqual(ids(await listAll(hub, {})).sort(), ["can", "pending", "running", "suspended"]);
  });

  it("purges the finished sub-orchestrations of purged instances, recursively", async () => {
    const { hub } = env;
    const parentOf = (id: string) => ({
      instanceId: id,
      executionId: `${id}-exec-1`,
      name: "P",
      taskScheduledId: 0,
    });
    await createWithStatus(hub, "root", "Completed");
    await createWithStatus(hub, "child-1", "Completed", { parent: parentOf("root") });
    await createWithStatus(hub, "grandchild", "Failed", { parent: parentOf("child-1") });
    await createWithStatus(hub, "child-2", "Running", { parent: parentOf("root") });
    await createWithStatus(hub, "other-root", "Completed");
    const createdBefore = systemClock.now();
    await sleep(3);
    await createWithStatus(hub, "newer", "Completed");
    assert.equal(await hub.purgeInstances({ instanceIdPrefix: "root" }), 3);
    assert.deepEqual(ids(await listAll(hub, {})).sort(), ["child-2", "newer", "other-root"]);
    assert.equal(await hub.purgeInstances({ createdTo: createdBefore }), 1);
    assert.deepEqual(ids(await listAll(hub, {})).sort(), ["child-2", "newer"]);
  });

  it("counts instances by status, inbox and activity queue depth, and the oldest due message", async () => {
    const { hub } = env;
    const empty = await hub.getStats();
    assert.deepEqual(empty.instancesByStatus, {});
    assert.equal(empty.entities, 0);
    assert.equal(empty.inboxDepth, 0);
    assert.equal(empty.activityQueueDepth, 0);
    assert.equal(empty.oldestPendingAt, undefined);
    await createWithStatus(hub, "r", "Running");
    await hub.createInstance(newInstance("p1"));
    const p1 = (await hub.getInstance("p1"))!;
    await hub.createInstance(newInstance("p2"));
    await hub.appendInboxMessage({
      instanceId: "p2",
      event: raised("later"),
      visibleAt: systemClock.now() + 60_000,
    });
    await hub.createInstance(newInstance("future", { visibleAt: systemClock.now() + 60_000 }));
    await createWithStatus(hub, "@counter@a", "Running");
    await hub.createInstance(newInstance("@counter@b"));
    const stats = await hub.getStats();
    assert.deepEqual(stats.instancesByStatus, { Running: 1, Pending: 3 }, "entities are not orchestrations");
    assert.equal(stats.entities, 2);
    assert.equal(stats.inboxDepth, 5);
    assert.equal(stats.activityQueueDepth, 0);
    assert.equal(stats.oldestPendingAt, p1.createdAt, "the oldest due message: p1's start");
  });

  it("notifies subscribers of new work and instance changes", async () => {
    const { hub } = env;
    const notices: TaskHubNotice[] = [];
    const unsubscribe = hub.subscribe((notice) => notices.push(notice));
    const seen = (predicate: (n: TaskHubNotice) => boolean, what: string) =>
      eventually(async () => (notices.some(predicate) ? true : undefined), what, 2000);
    await hub.createInstance(newInstance("n"));
    await seen((n) => n.kind === "orchestration-work", "orchestration-work after createInstance");
    notices.length = 0;
    await hub.appendInboxMessage({ instanceId: "n", event: raised("e") });
    await seen((n) => n.kind === "orchestration-work", "orchestration-work after appendInboxMessage");
    const item = await lockInstance(hub, "n");
    const activity = {
      instanceId: "n",
      executionId: "n-exec-1",
      taskId: 0,
      name: "A",
      attempt: 1,
      idempotencyKey: "n:0",
    };
    assertOutcomes(
      await hub.completeOrchestrationWorkItems([completionOf(item, { activities: [activity] })]),
      ["ok"],
    );
    await seen((n) => n.kind === "activity-work", "activity-work after scheduling an activity");
    await seen(
      (n) => n.kind === "instance-updated" && n.instanceId === "n" && n.status === "Running",
      "instance-updated after a step",
    );
    notices.length = 0;
    const [work] = await hub.lockActivityWorkItems({ workerId: "a", max: 1, leaseMs: 30_000 });
    const result = { type: "TaskCompleted", timestamp: stamp(), taskScheduledId: 0 } as const;
    assertOutcomes(await hub.completeActivityWorkItems([{ workItem: work!, result }]), ["ok"]);
    await seen((n) => n.kind === "orchestration-work", "orchestration-work after an activity result");
    unsubscribe();
    unsubscribe();
    await sleep(50);
    notices.length = 0;
    await hub.createInstance(newInstance("quiet"));
    await sleep(100);
    assert.deepEqual(notices, [], "no notices after unsubscribing");
  });

  // Only for hubs that can store an unparseable row (a test hook corrupts one); the memory hub keeps objects.
  if (env.options.corruptInboxMessages)
    it("reports corrupted inbox rows instead of failing the lock", async () => {
      const { hub } = env;
      await hub.createInstance(newInstance("bad-inbox"));
      await env.options.corruptInboxMessages!(hub, "bad-inbox");
      await hub.appendInboxMessage({ instanceId: "bad-inbox", event: raised("good") });
      const item = await lockInstance(hub, "bad-inbox");
      assert.equal(item.corruptMessages.length, 1);
      assert.ok(item.corruptMessages[0]!.error.length > 0);
      assert.deepEqual(
        item.messages.map((m) => m.event.type),
        ["EventRaised"],
      );
      assert.ok(item.corruptMessages[0]!.id < item.messages[0]!.id);
      assertOutcomes(await hub.completeOrchestrationWorkItems([completionOf(item, { status: "Failed" })]), [
        "ok",
      ]);
      assert.equal((await hub.getStats()).inboxDepth, 0, "corrupt messages are consumed like others");
    });

  // Only for hubs that can store an unparseable row (a test hook corrupts one); the memory hub keeps objects.
  if (env.options.corruptHistoryEvent)
    it("fails getHistory with a TaskHubError naming the instance for a corrupted event", async () => {
      const { hub } = env;
      await createWithStatus(hub, "bad-history", "Running", {
        history: [raised("a"), raised("b"), raised("c")],
      });
      await env.options.corruptHistoryEvent!(hub, "bad-history", 1);
      await rejectsWith(hub.getHistory("bad-history"), "TaskHubError", /bad-history/);
    });
}
