/**
 * Versions in the executor: `ctx.version` and `ctx.compareVersionTo`, the version of sub-orchestrations (the call's,
 * the worker's default, else the parent's) and of the execution after continue-as-new, and the version an episode
 * writes on the instance row.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ExecutionStarted } from "../../src/core/history-event.js";
import { applyEpisode } from "../../src/orchestration/apply-episode.js";
import type { EpisodeResult } from "../../src/orchestration/episode.js";
import { history } from "../../src/testing/history-builder.js";
import { T0, failureOf, output, run, type ExtraSessionOptions, type Handlers } from "./fixtures.js";

/** Runs `name` from its start (one episode), the instance stamped with `version`. */
function start(
  handlers: Handlers,
  name: string,
  version?: string,
  extra?: ExtraSessionOptions,
): Promise<EpisodeResult> {
  const { newEvents } = history().newEvents().started(name, { version, input: 1 }).split();
  return run(handlers, [], newEvents, undefined, extra);
}

/** What `applyEpisode` makes of a first episode of `name` (version `version`). */
function changesOf(result: EpisodeResult, version: string | undefined) {
  return applyEpisode(
    {
      instanceId: "instance-1",
      executionId: "execution-1",
      name: "Parent",
      version,
      now: T0,
      newEvents: [],
      newExecution: true,
    },
    result,
  );
}

describe("ctx.version and ctx.compareVersionTo", () => {
  const handlers: Handlers = {
    Show: async (ctx) => ({
      version: ctx.version,
      vs1: ctx.compareVersionTo("1.0"),
      vs2: ctx.compareVersionTo("2.0"),
      vs10: ctx.compareVersionTo("1.10"),
      vsNone: ctx.compareVersionTo(undefined),
      vsEmpty: ctx.compareVersionTo(""),
    }),
  };

  it("reads the version stamped on the instance and compares it by Durable Functions' rules", async () => {
    assert.deepEqual(output(await start(handlers, "Show", "1.9")), {
      version: "1.9",
      vs1: 1,
      vs2: -1,
      vs10: -1, // numerically: 1.9 < 1.10
      vsNone: 1,
      vsEmpty: 1,
    });
  });

  it("an instance without a version has version '' and is older than any version", async () => {
    assert.deepEqual(output(await start(handlers, "Show")), {
      version: "",
      vs1: -1,
      vs2: -1,
      vs10: -1,
      vsNone: 0,
      vsEmpty: 0,
    });
  });

  it("is the recorded version on replay, so version branches replay as they ran", async () => {
    const branching: Handlers = {
      Branch: async (ctx) =>
        ctx.compareVersionTo("2.0") >= 0 ? ctx.callActivity("NewStep") : ctx.callActivity("OldStep"),
    };
    const replayed = (version: string, step: string) => {
      const { past, newEvents } = history()
        .started("Branch", { version })
        .taskScheduled(0, step)
        .episodeEnd()
        .newEvents()
        .episodeStart()
        .taskCompleted(0, step)
        .split();
      return run(branching, past, newEvents);
    };
    assert.equal(output(await replayed("2.1", "NewStep")), "NewStep");
    assert.equal(output(await replayed("1.5", "OldStep")), "OldStep");
  });

  it("compareVersionTo refuses a value that is not a string", async () => {
    const failure = failureOf(await start({ Bad: async (ctx) => ctx.compareVersionTo(2 as never) }, "Bad"));
    assert.equal(failure.errorType, "InvalidArgumentError");
    assert.match(failure.message, /compareVersionTo's version must be a string/);
  });
});

describe("sub-orchestration versions", () => {
  const handlers: Handlers = {
    Parent: async (ctx, mode: number) => {
      if (mode === 1) return ctx.callSubOrchestrator("Child", undefined, { instanceId: "c", version: "9.0" });
      if (mode === 2) return ctx.callSubOrchestrator("Child", undefined, { instanceId: "c", version: "" });
      return ctx.callSubOrchestrator("Child", undefined, { instanceId: "c" });
    },
  };
  const childOf = (result: EpisodeResult, parentVersion: string | undefined) => {
    const changes = changesOf(result, parentVersion);
    const created = changes.newHistory.find((e) => e.type === "SubOrchestrationInstanceCreated");
    const started: ExecutionStarted = changes.newInstances[0]!.event;
    assert.equal(
      created?.type === "SubOrchestrationInstanceCreated" ? created.version : "?",
      started.version,
    );
    return started.version;
  };
  const startWith = (mode: number, version: string | undefined, defaultVersion?: string) => {
    const { newEvents } = history().newEvents().started("Parent", { version, input: mode }).split();
    return run(handlers, [], newEvents, undefined, { defaultVersion });
  };

  it("the worker's defaultVersion is stamped on a child started without one (recorded in the parent's history)", async () => {
    assert.equal(childOf(await startWith(0, "1.0", "2.0"), "1.0"), "2.0");
  });

  it("without a default, a child gets its parent's version", async () => {
    assert.equal(childOf(await startWith(0, "1.0"), "1.0"), "1.0");
    assert.equal(childOf(await startWith(0, undefined), undefined), undefined);
  });

  it("callSubOrchestrator's version wins; '' starts the child without a version", async () => {
    assert.equal(childOf(await startWith(1, "1.0", "2.0"), "1.0"), "9.0");
    assert.equal(childOf(await startWith(2, "1.0", "2.0"), "1.0"), undefined);
  });

  it("replays a parent whose recorded child has another version than today's default", async () => {
    const { past, newEvents } = history()
      .started("Parent", { version: "1.0", input: 0 })
      .add({
        type: "SubOrchestrationInstanceCreated",
        eventId: 0,
        name: "Child",
        instanceId: "c",
        version: "1.0",
      })
      .episodeEnd()
      .newEvents()
      .episodeStart()
      .subOrchestrationCompleted(0, "done")
      .split();
    assert.equal(output(await run(handlers, past, newEvents, undefined, { defaultVersion: "3.0" })), "done");
  });

  it("a version that is not a string is refused", async () => {
    const bad: Handlers = {
      Parent: async (ctx) => ctx.callSubOrchestrator("Child", undefined, { version: 1 as never }),
    };
    const failure = failureOf(await start(bad, "Parent"));
    assert.match(failure.message, /callSubOrchestrator\('Child'\)'s version must be a string/);
  });
});

describe("continue-as-new and the instance's version", () => {
  const handlers: Handlers = {
    Loop: async (ctx, n: number) => ctx.continueAsNew(n + 1),
    Upgrade: async (ctx, n: number) => ctx.continueAsNew(n + 1, { version: "2.0" }),
    Empty: async (ctx) => ctx.continueAsNew(0, { version: " " }),
  };
  const nextStart = (result: EpisodeResult, version: string | undefined): ExecutionStarted => {
    const message = changesOf(result, version).messages.find((m) => m.event.type === "ExecutionStarted");
    assert.ok(message);
    return message.event as ExecutionStarted;
  };

  it("keeps the version by default", async () => {
    assert.equal(nextStart(await start(handlers, "Loop", "1.0"), "1.0").version, "1.0");
  });

  it("continueAsNew({ version }) starts the next execution with that version", async () => {
    const result = await start(handlers, "Upgrade", "1.0");
    assert.equal(result.outcome?.status === "ContinuedAsNew" && result.outcome.version, "2.0");
    assert.equal(nextStart(result, "1.0").version, "2.0");
  });

  it("an empty version is refused (leave it out to keep the current one)", async () => {
    const failure = failureOf(await start(handlers, "Empty", "1.0"));
    assert.equal(failure.errorType, "InvalidArgumentError");
    assert.match(failure.message, /continueAsNew's version must be a non-empty string/);
  });

  it("a new execution's episode writes its version on the instance row; later episodes leave it", async () => {
    const result = await start({ Wait: async (ctx) => ctx.waitForExternalEvent("go") }, "Wait", "2.0");
    assert.equal(changesOf(result, "2.0").instance.version, "2.0");
    const later = applyEpisode(
      {
        instanceId: "i",
        executionId: "e",
        name: "Wait",
        version: "2.0",
        now: T0,
        newEvents: [],
        newExecution: false,
      },
      result,
    );
    assert.equal("version" in later.instance, false);
  });
});
