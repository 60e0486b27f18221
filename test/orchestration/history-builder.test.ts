/**
 * The history fixture builder exported for users' orchestrator tests.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { history } from "../../src/testing/history-builder.js";
import { T0, iso } from "./fixtures.js";

describe("history builder", () => {
  it("builds episodes with timestamps advancing from the base time and JSON payloads", () => {
    const events = history()
      .started("Greet", { input: { city: "Tokyo" }, instanceId: "i1" })
      .taskScheduled(0, "SayHello", "Tokyo")
      .episodeEnd()
      .episodeStart()
      .taskCompleted(0, "Hello Tokyo")
      .build();
    assert.deepEqual(events, [
      { type: "OrchestratorStarted", timestamp: iso(T0) },
      {
        type: "ExecutionStarted",
        timestamp: iso(T0),
        name: "Greet",
        instanceId: "i1",
        executionId: "execution-1",
        input: '{"city":"Tokyo"}',
        parent: undefined,
        version: undefined,
      },
      { type: "TaskScheduled", timestamp: iso(T0), eventId: 0, name: "SayHello", input: '"Tokyo"' },
      { type: "OrchestratorCompleted", timestamp: iso(T0) },
      { type: "OrchestratorStarted", timestamp: iso(T0 + 1000) },
      { type: "TaskCompleted", timestamp: iso(T0 + 1000), taskScheduledId: 0, result: '"Hello Tokyo"' },
    ]);
  });

  it("episode() groups, explicit times set the clock, stepMs sets the gap, split() cuts at newEvents()", () => {
    const builder = history({ baseTime: "2030-05-01T00:00:00Z", stepMs: 60_000 })
      .episode((h) => h.started("X").timerCreated(0, "2030-05-01T01:00:00Z"))
      .episode((h) => h.eventRaised("Approval", true))
      .newEvents()
      .episode((h) => h.timerFired(0, "2030-05-01T01:00:00Z"), Date.parse("2030-05-01T01:00:00.500Z"));
    assert.equal(builder.now.toISOString(), "2030-05-01T01:00:00.500Z");
    const { past, newEvents } = builder.split();
    assert.deepEqual(
      past.map((e) => [e.type, e.timestamp]),
      [
        ["OrchestratorStarted", "2030-05-01T00:00:00.000Z"],
        ["ExecutionStarted", "2030-05-01T00:00:00.000Z"],
        ["TimerCreated", "2030-05-01T00:00:00.000Z"],
        ["OrchestratorCompleted", "2030-05-01T00:00:00.000Z"],
        ["OrchestratorStarted", "2030-05-01T00:01:00.000Z"],
        ["EventRaised", "2030-05-01T00:01:00.000Z"],
        ["OrchestratorCompleted", "2030-05-01T00:01:00.000Z"],
      ],
    );
    assert.deepEqual(newEvents, [
      { type: "OrchestratorStarted", timestamp: "2030-05-01T01:00:00.500Z" },
      {
        type: "TimerFired",
        timestamp: "2030-05-01T01:00:00.500Z",
        timerId: 0,
        fireAt: "2030-05-01T01:00:00.000Z",
      },
      { type: "OrchestratorCompleted", timestamp: "2030-05-01T01:00:00.500Z" },
    ]);
    assert.deepEqual(history().started("X").split().newEvents, [], "no mark: everything is past");
  });

  it("accepts failures as details, errors (with causes) or messages", () => {
    const events = history()
      .started("X")
      .taskFailed(0, "plain")
      .taskFailed(1, new RangeError("outer", { cause: new Error("inner") }))
      .subOrchestrationFailed(2, { errorType: "Custom", message: "m", nonRetryable: true })
      .build();
    const failures = events.flatMap((e) => ("failure" in e && e.failure ? [e.failure] : []));
    assert.deepEqual(failures[0], { errorType: "Error", message: "plain" });
    assert.equal(failures[1]?.errorType, "RangeError");
    assert.equal(failures[1]?.cause?.message, "inner");
    assert.deepEqual(failures[2], { errorType: "Custom", message: "m", nonRetryable: true });
  });

  it("covers the other events", () => {
    const types = history()
      .started("X")
      .taskScheduled(3, "A", undefined, { attempt: 2, firstAttemptId: 1 })
      .eventSent(4, "other", "Ping", 1)
      .subOrchestrationCreated(5, "Child", "c1", { a: 1 })
      .subOrchestrationCompleted(5, null)
      .suspended("s")
      .resumed("r")
      .terminated("t")
      .completed(42)
      .failed("f")
      .add({ type: "ExecutionRewound", reason: "again" })
      .episodeEnd()
      .build();
    assert.deepEqual(types[2], {
      type: "TaskScheduled",
      timestamp: iso(T0),
      eventId: 3,
      name: "A",
      input: undefined,
      attempt: 2,
      firstAttemptId: 1,
    });
    assert.deepEqual(
      types.slice(3).map((e) => e.type),
      [
        "EventSent",
        "SubOrchestrationInstanceCreated",
        "SubOrchestrationInstanceCompleted",
        "ExecutionSuspended",
        "ExecutionResumed",
        "ExecutionTerminated",
        "ExecutionCompleted",
        "ExecutionCompleted",
        "ExecutionRewound",
        "OrchestratorCompleted",
      ],
    );
    assert.equal(
      types.find((e) => e.type === "SubOrchestrationInstanceCompleted" && e.result === "null")?.type,
      "SubOrchestrationInstanceCompleted",
    );
  });

  it("refuses unbalanced episodes and bad times", () => {
    assert.throws(() => history().episodeStart().episodeStart(), /episodeEnd\(\) first/);
    assert.throws(() => history().episodeEnd(), /no episode is open/);
    assert.throws(() => history().started("X").newEvents(), /close the current episode/);
    assert.throws(() => history({ baseTime: "not a date" }), /Invalid baseTime/);
  });
});
