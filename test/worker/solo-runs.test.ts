/**
 * Suspect work runs alone (`SoloRuns`): the state machine on its own, with claims, runs and releases recorded. A
 * normal claim that brings a suspect releases it, starts the rest and drains; once nothing is in flight, one item at a
 * time is claimed worker-wide and a suspect runs alone; work that is no suspect, or nothing of either kind, turns the
 * worker normal again.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SoloRuns, type SoloClaim } from "../../src/worker/solo-runs.js";

interface Item {
  readonly id: string;
  readonly suspect: boolean;
}

/** A worker's parts as the solo runs see them, with what happened recorded. */
function harness() {
  const events: string[] = [];
  const running = new Set<string>();
  const finish = new Map<string, () => void>();
  let stopped = false;
  const solo = new SoloRuns({
    running: () => !stopped,
    inFlight: () => running.size,
    releaseHeld: () => events.push("release held"),
    wake: () => events.push(`wake ${solo.state}`),
  });
  /** A loop of `kind` whose claims return the next batch of `batches`. */
  const loop = (kind: "activities" | "orchestrations", batches: Item[][]): SoloClaim<Item> => ({
    kind,
    claim: async (max) => {
      const batch = batches.shift() ?? [];
      events.push(`${kind} claim ${max}: ${batch.map((i) => i.id).join(",")}`);
      return batch;
    },
    isSuspect: (item) => item.suspect,
    run: (item) => {
      events.push(`run ${item.id}${running.size > 0 ? ` beside ${[...running].join(",")}` : " alone"}`);
      running.add(item.id);
      return new Promise<void>((resolve) =>
        finish.set(item.id, () => {
          running.delete(item.id);
          resolve();
        }),
      );
    },
    release: async (item) => {
      events.push(`release ${item.id}`);
    },
  });
  const start = (starters: (() => void)[]) => starters.forEach((begin) => begin());
  const done = async (id: string) => {
    finish.get(id)!();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { solo, events, loop, start, done, stop: () => (stopped = true) };
}

const item = (id: string, suspect = false): Item => ({ id, suspect });

describe("solo runs of suspect work", () => {
  it("claims normally while no suspect shows up", async () => {
    const h = harness();
    const orchestrations = h.loop("orchestrations", [[item("a"), item("b")]]);
    h.start(await h.solo.take(100, orchestrations));
    assert.equal(h.solo.state, "normal");
    assert.deepEqual(h.events, ["orchestrations claim 100: a,b", "run a alone", "run b beside a"]);
  });

  it("releases a suspect, drains, runs it alone, then turns normal again", async () => {
    const h = harness();
    const orchestrations = h.loop("orchestrations", [
      [item("a"), item("s", true)],
      [item("s", true)],
      [item("n")],
    ]);
    const activities = h.loop("activities", [[]]);
    h.start(await h.solo.take(100, orchestrations));
    assert.equal(h.solo.state, "draining");
    // The loop waits while `a` (claimed with the suspect, no suspect itself) is in flight.
    let taken: (() => void)[] | undefined;
    const next = h.solo.take(100, orchestrations).then((starters) => (taken = starters));
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(taken, undefined, "no claim while draining");
    await h.done("a");
    await next;
    assert.equal(h.solo.state, "solo");
    h.start(taken!);
    // The suspect runs alone and holds the turn: the activity loop's claim waits for it.
    const other = h.solo.take(100, activities);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(!h.events.some((e) => e.startsWith("activities claim")), "one solo turn at a time");
    await h.done("s");
    h.start(await other); // the activity loop's turn: nothing to claim
    assert.equal(h.solo.state, "solo", "one kind found nothing; the other may have suspects");
    h.start(await h.solo.take(100, orchestrations)); // work that is no suspect: normal again
    assert.equal(h.solo.state, "normal");
    assert.deepEqual(
      h.events.filter((e) => !e.startsWith("wake")),
      [
        "orchestrations claim 100: a,s",
        "release s",
        "release held",
        "run a alone",
        "orchestrations claim 1: s",
        "run s alone",
        "activities claim 1: ",
        "orchestrations claim 1: n",
        "run n alone",
      ],
    );
  });

  it("turns normal once both kinds' solo claims find nothing", async () => {
    const h = harness();
    const orchestrations = h.loop("orchestrations", [[item("s", true)], [item("s", true)], []]);
    const activities = h.loop("activities", [[]]);
    await h.solo.take(100, orchestrations);
    assert.equal(h.solo.state, "draining");
    h.start(await h.solo.take(100, orchestrations));
    await h.done("s");
    h.start(await h.solo.take(100, activities));
    assert.equal(h.solo.state, "solo", "only one kind found nothing");
    h.start(await h.solo.take(100, orchestrations));
    assert.equal(h.solo.state, "normal");
    assert.deepEqual(
      h.events.filter((e) => e.includes("claim") || e.startsWith("run")),
      [
        "orchestrations claim 100: s",
        "orchestrations claim 1: s",
        "run s alone",
        "activities claim 1: ",
        "orchestrations claim 1: ",
      ],
    );
  });

  it("stops waiting when the worker stops", async () => {
    const h = harness();
    const orchestrations = h.loop("orchestrations", [[item("a"), item("s", true)]]);
    h.start(await h.solo.take(100, orchestrations));
    const waiting = h.solo.take(100, orchestrations);
    h.stop();
    assert.deepEqual(await waiting, []);
  });

  it("drains for a suspect leased outside a claim (local dispatch)", async () => {
    const h = harness();
    await h.solo.drain([item("d", true)], async (i) => void h.events.push(`release ${i.id}`));
    assert.equal(h.solo.state, "draining");
    assert.deepEqual(
      h.events.filter((e) => !e.startsWith("wake")),
      ["release d", "release held"],
    );
  });
});
