/**
 * applyEpisode: an episode's result becomes new history, an instance update and outgoing messages.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { EventRaised, ParentInstanceInfo } from "../../src/core/history-event.js";
import { applyEpisode, type EpisodeInput } from "../../src/orchestration/apply-episode.js";
import type { OrchestratorAction } from "../../src/orchestration/actions.js";
import { planRewind } from "../../src/orchestration/rewind.js";
import type { EpisodeResult, ExecutionOutcome } from "../../src/orchestration/episode.js";
import { T0, episodeAt, iso } from "./fixtures.js";

const NOW = T0 + 5000;
const parent: ParentInstanceInfo = {
  instanceId: "parent-1",
  executionId: "parent-exec",
  name: "Parent",
  taskScheduledId: 3,
};

function input(overrides: Partial<EpisodeInput> = {}): EpisodeInput {
  return {
    instanceId: "i1",
    executionId: "e1",
    name: "Orch",
    input: '"in"',
    version: "1.2.0",
    now: NOW,
    newEvents: episodeAt(NOW, (h) => h.taskCompleted(0, "x")),
    newExecution: false,
    ...overrides,
  };
}

function result(
  actions: OrchestratorAction[] = [],
  outcome?: ExecutionOutcome,
  extra: Partial<EpisodeResult> = {},
): EpisodeResult {
  return { actions, outcome, customStatus: undefined, suspended: false, ...extra };
}

describe("applyEpisode", () => {
  it("records scheduling events after the new events, then OrchestratorCompleted", () => {
    const changes = applyEpisode(
      input(),
      result([
        { type: "ScheduleTask", id: 4, name: "Charge", input: "100", attempt: 2, firstAttemptId: 1 },
        { type: "CreateTimer", id: 5, fireAt: iso(T0 + 60_000) },
      ]),
    );
    assert.equal(changes.replaceHistory, false);
    assert.deepEqual(changes.newHistory, [
      { type: "OrchestratorStarted", timestamp: iso(NOW) },
      { type: "TaskCompleted", timestamp: iso(NOW), taskScheduledId: 0, result: '"x"' },
      // Retry attempts (attempt > 1) record their attempt number and first attempt's ID.
      {
        type: "TaskScheduled",
        timestamp: iso(NOW),
        eventId: 4,
        name: "Charge",
        input: "100",
        attempt: 2,
        firstAttemptId: 1,
      },
      { type: "TimerCreated", timestamp: iso(NOW), eventId: 5, fireAt: iso(T0 + 60_000) },
      { type: "OrchestratorCompleted", timestamp: iso(NOW) },
    ]);
    assert.deepEqual(changes.instance, {
      executionId: "e1",
      name: "Orch",
      input: '"in"',
      customStatus: undefined,
      status: "Running",
    });
  });

  it("sends activities with an idempotency key derived from the first attempt", () => {
    const changes = applyEpisode(
      input(),
      result([
        { type: "ScheduleTask", id: 0, name: "Ship", input: undefined, attempt: 1, firstAttemptId: 0 },
        { type: "ScheduleTask", id: 4, name: "Charge", input: "100", attempt: 2, firstAttemptId: 1 },
      ]),
    );
    assert.deepEqual(changes.newHistory[2], {
      type: "TaskScheduled",
      timestamp: iso(NOW),
      eventId: 0,
      name: "Ship",
      input: undefined,
    });
    assert.deepEqual(changes.activities.shift(), {
      instanceId: "i1",
      executionId: "e1",
      taskId: 0,
      name: "Ship",
      input: undefined,
      attempt: 1,
      idempotencyKey: "i1:e1:0",
    });
    assert.deepEqual(changes.activities, [
      {
        instanceId: "i1",
        executionId: "e1",
        taskId: 4,
        name: "Charge",
        input: "100",
        attempt: 2,
        idempotencyKey: "i1:e1:1",
      },
    ]);
  });

  it("records a call's time limits in TaskScheduled and sends them with the activity; a rewind keeps them", () => {
    const action = {
      type: "ScheduleTask",
      id: 0,
      name: "Upload",
      input: undefined,
      attempt: 1,
      firstAttemptId: 0,
      timeoutMs: 60_000,
      heartbeatTimeoutMs: 5_000,
    } as const;
    const changes = applyEpisode(input(), result([action]));
    const scheduled = changes.newHistory.find((e) => e.type === "TaskScheduled");
    assert.deepEqual(scheduled, {
      type: "TaskScheduled",
      timestamp: iso(NOW),
      eventId: 0,
      name: "Upload",
      input: undefined,
      timeoutMs: 60_000,
      heartbeatTimeoutMs: 5_000,
    });
    const [activity] = changes.activities;
    assert.equal(activity?.timeoutMs, 60_000);
    assert.equal(activity?.heartbeatTimeoutMs, 5_000);
    // Rewinding the failed call dispatches it again with the same limits.
    const failed = {
      type: "TaskFailed",
      timestamp: iso(NOW + 1),
      taskScheduledId: 0,
      failure: { errorType: "TimeoutError", message: "timed out" },
    } as const;
    const plan = planRewind([scheduled!, failed], "i1", "e1");
    assert.equal(plan.activities.length, 1);
    assert.equal(plan.activities[0]?.timeoutMs, 60_000);
    assert.equal(plan.activities[0]?.heartbeatTimeoutMs, 5_000);
    // Without limits, none are recorded (older histories replay unchanged).
    const plain = applyEpisode(
      input(),
      result([{ ...action, timeoutMs: undefined, heartbeatTimeoutMs: undefined }]),
    );
    assert.equal("timeoutMs" in plain.newHistory.find((e) => e.type === "TaskScheduled")!, false);
    assert.equal("timeoutMs" in plain.activities[0]!, false);
  });

  it("turns timers into TimerFired inbox messages visible at fireAt", () => {
    const fireAt = iso(T0 + 60_000);
    const changes = applyEpisode(input(), result([{ type: "CreateTimer", id: 5, fireAt }]));
    assert.deepEqual(changes.messages, [
      {
        instanceId: "i1",
        executionId: "e1",
        event: { type: "TimerFired", timestamp: fireAt, timerId: 5, fireAt },
        visibleAt: T0 + 60_000,
      },
    ]);
  });

  it("creates sub-orchestration instances with parent information", () => {
    const action: OrchestratorAction = {
      type: "CreateSubOrchestration",
      id: 2,
      name: "Child",
      instanceId: "c1",
      input: "7",
    };
    const changes = applyEpisode(input(), result([action]));
    assert.equal(changes.newInstances.length, 1);
    const started = changes.newInstances[0]!.event;
    assert.deepEqual(
      { ...started, executionId: "?" },
      {
        type: "ExecutionStarted",
        timestamp: iso(NOW),
        name: "Child",
        instanceId: "c1",
        executionId: "?",
        input: "7",
        parent: { instanceId: "i1", executionId: "e1", name: "Orch", taskScheduledId: 2 },
        version: "1.2.0",
      },
    );
    assert.match(started.executionId, /^[0-9a-f-]{36}$/);
    assert.equal(
      applyEpisode(input(), result([action])).newInstances[0]?.event.executionId,
      started.executionId,
    );
    assert.deepEqual(changes.newHistory[2], {
      type: "SubOrchestrationInstanceCreated",
      timestamp: iso(NOW),
      eventId: 2,
      name: "Child",
      instanceId: "c1",
      input: "7",
      version: "1.2.0", // the child's version (its parent's, when the call gave none)
    });
  });

  it("turns EventSent into an EventRaised message to the target instance", () => {
    const changes = applyEpisode(
      input(),
      result([{ type: "SendEvent", id: 1, instanceId: "other", name: "Ping", input: '{"a":1}' }]),
    );
    assert.deepEqual(changes.messages, [
      {
        instanceId: "other",
        event: { type: "EventRaised", timestamp: iso(NOW), name: "Ping", input: '{"a":1}' },
      },
    ]);
    assert.deepEqual(changes.newHistory[2], {
      type: "EventSent",
      timestamp: iso(NOW),
      eventId: 1,
      instanceId: "other",
      name: "Ping",
      input: '{"a":1}',
    });
  });

  it("reports Running or Suspended with the custom status", () => {
    const running = applyEpisode(input(), result([], undefined, { customStatus: '"stage 2"' }));
    assert.deepEqual([running.instance.status, running.instance.customStatus], ["Running", '"stage 2"']);
    assert.equal(
      applyEpisode(input(), result([], undefined, { suspended: true })).instance.status,
      "Suspended",
    );
  });

  it("completion: ExecutionCompleted, the final instance state, and the result for the parent", () => {
    const changes = applyEpisode(input({ parent }), result([], { status: "Completed", result: '"done"' }));
    assert.deepEqual(changes.newHistory.slice(-2), [
      {
        type: "ExecutionCompleted",
        timestamp: iso(NOW),
        status: "Completed",
        result: '"done"',
        failure: undefined,
      },
      { type: "OrchestratorCompleted", timestamp: iso(NOW) },
    ]);
    assert.deepEqual(changes.instance, {
      executionId: "e1",
      name: "Orch",
      input: '"in"',
      customStatus: undefined,
      status: "Completed",
      output: '"done"',
      failure: undefined,
      completedAt: NOW,
    });
    assert.deepEqual(changes.messages, [
      {
        instanceId: "parent-1",
        executionId: "parent-exec",
        event: {
          type: "SubOrchestrationInstanceCompleted",
          timestamp: iso(NOW),
          taskScheduledId: 3,
          result: '"done"',
        },
      },
    ]);
    assert.deepEqual(
      applyEpisode(input(), result([], { status: "Completed" })).messages,
      [],
      "no parent: no message",
    );
  });

  it("failure: the parent gets SubOrchestrationInstanceFailed with the failure", () => {
    const failure = { errorType: "Boom", message: "it broke" };
    const changes = applyEpisode(input({ parent }), result([], { status: "Failed", failure }));
    assert.equal(changes.instance.status, "Failed");
    assert.deepEqual(changes.instance.failure, failure);
    assert.deepEqual(
      changes.messages.map((m) => [m.instanceId, m.executionId, m.event]),
      [
        [
          "parent-1",
          "parent-exec",
          { type: "SubOrchestrationInstanceFailed", timestamp: iso(NOW), taskScheduledId: 3, failure },
        ],
      ],
    );
  });

  it("termination: output is the reason; the parent sees a failure", () => {
    const changes = applyEpisode(input({ parent }), result([], { status: "Terminated", reason: "by admin" }));
    assert.equal(changes.instance.status, "Terminated");
    assert.equal(changes.instance.output, '"by admin"');
    const event = changes.messages[0]?.event;
    assert.equal(event?.type, "SubOrchestrationInstanceFailed");
    assert.equal(
      event?.type === "SubOrchestrationInstanceFailed" && event.failure.errorType,
      "OrchestrationTerminated",
    );
    assert.match(event?.type === "SubOrchestrationInstanceFailed" ? event.failure.message : "", /by admin/);
  });

  it("continue-as-new: replaces history, queues a new ExecutionStarted carrying the carried-over events", () => {
    const carried: EventRaised[] = [
      { type: "EventRaised", timestamp: iso(T0), name: "a", input: "1" },
      { type: "EventRaised", timestamp: iso(T0 + 1), name: "b", input: "2" },
    ];
    const changes = applyEpisode(
      input({ parent }),
      result([], { status: "ContinuedAsNew", input: '{"n":2}', carryoverEvents: carried }),
    );
    assert.equal(changes.replaceHistory, true);
    assert.deepEqual(changes.newHistory, []);
    assert.deepEqual(changes.instance, {
      executionId: "e1",
      name: "Orch",
      input: '{"n":2}',
      customStatus: undefined,
      status: "ContinuedAsNew",
    });
    const [start, ...rest] = changes.messages;
    assert.equal(start?.instanceId, "i1");
    assert.equal(start?.executionId, undefined, "not tied to the old execution");
    assert.equal(start?.event.type, "ExecutionStarted");
    if (start?.event.type !== "ExecutionStarted") return;
    assert.notEqual(start.event.executionId, "e1");
    assert.deepEqual(
      { ...start.event, executionId: "?" },
      {
        type: "ExecutionStarted",
        timestamp: iso(NOW),
        name: "Orch",
        instanceId: "i1",
        executionId: "?",
        input: '{"n":2}',
        parent,
        version: "1.2.0",
        carryoverEvents: carried,
      },
    );
    assert.deepEqual(rest, [], "carried events travel inside the start message, ahead of later arrivals");
  });

  it("a new execution replaces history; the same arguments always give the same changes", () => {
    const args = input({
      newExecution: true,
      newEvents: episodeAt(NOW, (h) => h.started("Orch", { instanceId: "i1" })),
    });
    const first = applyEpisode(args, result([{ type: "CreateTimer", id: 0, fireAt: iso(NOW + 1) }]));
    assert.equal(first.replaceHistory, true);
    assert.deepEqual(
      first,
      applyEpisode(args, result([{ type: "CreateTimer", id: 0, fireAt: iso(NOW + 1) }])),
    );
  });
});
