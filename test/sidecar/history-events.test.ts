/**
 * History-event converters (src/sidecar/history-events*.ts): every Taskhub event type goes to the protocol's
 * HistoryEvent and back unchanged (except the fields the protocol has no place for, listed here), also through the
 * bytes of a WorkItem read and re-encoded by the durabletask-js SDK; `eventId` only on scheduling events; the
 * terminate reason as JSON text; failure chains; events Taskhub has no type for are refused.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidArgumentError } from "../../src/core/errors.js";
import type { HistoryEvent, HistoryEventOf, HistoryEventType } from "../../src/core/history-event.js";
import { RUNTIME_STATUSES } from "../../src/core/runtime-status.js";
import { fromWireHistoryEvent } from "../../src/sidecar/history-events-from-wire.js";
import { NO_EVENT_ID, toWireHistoryEvent } from "../../src/sidecar/history-events.js";
import type { HistoryEvent as WireHistoryEvent, WorkItem } from "../../src/sidecar/messages.js";
import { sidecarProtocol } from "../../src/sidecar/protocol.js";
import { fromOrchestrationStatus, toOrchestrationStatus } from "../../src/sidecar/runtime-statuses.js";
import { fromTimestamp, toTimestamp } from "../../src/sidecar/wire-values.js";
import { sdkPb, sdkService, type SdkMessage } from "../support/sdk-protocol.js";

const at = (s: number) => new Date(Date.UTC(2026, 0, 2, 3, 4, s, 678)).toISOString();
const trace = { traceParent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", traceState: "k=v" };
const failure = {
  errorType: "TaskFailedError",
  message: "Activity task #2 failed: boom",
  stack: "TaskFailedError: ...\n    at x",
  cause: { errorType: "RangeError", message: "boom", nonRetryable: true },
};

/** One event of every Taskhub type, with every field set. */
const EVENTS: { readonly [T in HistoryEventType]: HistoryEventOf<T> } = {
  ExecutionStarted: {
    type: "ExecutionStarted",
    timestamp: at(1),
    name: "Checkout",
    instanceId: "order-1",
    executionId: "e-1",
    input: '{"items":3}',
    parent: { instanceId: "parent-1", executionId: "pe-1", name: "Parent", taskScheduledId: 4 },
    scheduledStartTime: at(2),
    version: "1.2",
    tags: { team: "payments" },
    carryoverEvents: [{ type: "EventRaised", timestamp: at(1), name: "x" }],
    parentTraceContext: trace,
  },
  ExecutionCompleted: {
    type: "ExecutionCompleted",
    timestamp: at(3),
    status: "Failed",
    result: '"r"',
    failure,
  },
  ExecutionTerminated: {
    type: "ExecutionTerminated",
    timestamp: at(4),
    reason: "stop now",
    recursive: false,
  },
  ExecutionSuspended: { type: "ExecutionSuspended", timestamp: at(5), reason: "pause" },
  ExecutionResumed: { type: "ExecutionResumed", timestamp: at(6), reason: "go" },
  ExecutionRewound: { type: "ExecutionRewound", timestamp: at(7), reason: "retry" },
  OrchestratorStarted: { type: "OrchestratorStarted", timestamp: at(8) },
  OrchestratorCompleted: { type: "OrchestratorCompleted", timestamp: at(9) },
  TaskScheduled: {
    type: "TaskScheduled",
    timestamp: at(10),
    eventId: 2,
    name: "Charge",
    input: "42",
    attempt: 2,
    firstAttemptId: 1,
    timeoutMs: 5000,
    heartbeatTimeoutMs: 1000,
    parentTraceContext: trace,
  },
  TaskCompleted: { type: "TaskCompleted", timestamp: at(11), taskScheduledId: 2, result: '"ok"' },
  TaskFailed: { type: "TaskFailed", timestamp: at(12), taskScheduledId: 2, failure },
  SubOrchestrationInstanceCreated: {
    type: "SubOrchestrationInstanceCreated",
    timestamp: at(13),
    eventId: 3,
    name: "Ship",
    instanceId: "order-1:0003",
    input: "{}",
    version: "2",
    parentTraceContext: { traceParent: trace.traceParent },
  },
  SubOrchestrationInstanceCompleted: {
    type: "SubOrchestrationInstanceCompleted",
    timestamp: at(14),
    taskScheduledId: 3,
    result: "1",
  },
  SubOrchestrationInstanceFailed: {
    type: "SubOrchestrationInstanceFailed",
    timestamp: at(15),
    taskScheduledId: 3,
    failure: { errorType: "Error", message: "child failed" },
  },
  TimerCreated: { type: "TimerCreated", timestamp: at(16), eventId: 4, fireAt: at(50) },
  TimerFired: { type: "TimerFired", timestamp: at(17), timerId: 4, fireAt: at(50) },
  EventRaised: { type: "EventRaised", timestamp: at(18), name: "Approval", input: "true" },
  EventSent: {
    type: "EventSent",
    timestamp: at(19),
    eventId: 5,
    instanceId: "other",
    name: "Ping",
    input: "null",
  },
  EntityOperationSignaled: {
    type: "EntityOperationSignaled",
    timestamp: at(20),
    eventId: 6,
    requestId: "req-6",
    operation: "add",
    input: "1",
    targetInstanceId: "@counter@a",
    scheduledTime: at(30),
    parentInstanceId: "order-1",
    parentTraceContext: trace,
  },
  EntityOperationCalled: {
    type: "EntityOperationCalled",
    timestamp: at(21),
    eventId: 7,
    requestId: "req-7",
    operation: "get",
    input: "null",
    targetInstanceId: "@counter@a",
    parentInstanceId: "order-1",
    parentExecutionId: "e-1",
    parentTraceContext: trace,
  },
  EntityOperationCompleted: {
    type: "EntityOperationCompleted",
    timestamp: at(22),
    requestId: "req-7",
    result: "5",
  },
  EntityOperationFailed: { type: "EntityOperationFailed", timestamp: at(23), requestId: "req-7", failure },
  EntityLockRequested: {
    type: "EntityLockRequested",
    timestamp: at(24),
    eventId: 8,
    criticalSectionId: "cs-8",
    lockSet: ["@a@1", "@b@2"],
    position: 0,
    parentInstanceId: "order-1",
    parentExecutionId: "e-1",
  },
  EntityLockGranted: { type: "EntityLockGranted", timestamp: at(25), criticalSectionId: "cs-8" },
  EntityUnlockSent: {
    type: "EntityUnlockSent",
    timestamp: at(26),
    eventId: 9,
    criticalSectionId: "cs-8",
    targetInstanceId: "@a@1",
    parentInstanceId: "order-1",
    lockSet: ["@a@1", "@b@2"],
    position: 1,
  },
  PatchMarkerRecorded: { type: "PatchMarkerRecorded", timestamp: at(27), patchId: "use-v2", position: 3 },
};

/** What comes back from the wire: the event without the fields the protocol has no place for. */
function expectedBack(event: HistoryEvent): HistoryEvent {
  switch (event.type) {
    case "ExecutionStarted": {
      const { carryoverEvents: _, ...rest } = event;
      return rest;
    }
    case "TaskScheduled": {
      const { attempt: _a, firstAttemptId: _f, timeoutMs: _t, heartbeatTimeoutMs: _h, ...rest } = event;
      return rest;
    }
    case "EntityOperationSignaled": {
      const { parentInstanceId: _p, parentTraceContext: _t, ...rest } = event;
      return rest;
    }
    case "EntityOperationCalled": {
      const { parentTraceContext: _, ...rest } = event;
      return rest;
    }
    case "EntityLockRequested":
      return { ...event, parentExecutionId: "" };
    case "EntityUnlockSent": {
      const { lockSet: _l, position: _p, ...rest } = event;
      return rest;
    }
    default:
      return event;
  }
}

const SCHEDULING = new Set<HistoryEventType>([
  "TaskScheduled",
  "SubOrchestrationInstanceCreated",
  "TimerCreated",
  "EventSent",
  "EntityOperationSignaled",
  "EntityOperationCalled",
  "EntityLockRequested",
  "EntityUnlockSent",
]);

const all = Object.values(EVENTS) as HistoryEvent[];

/** Sends events to the SDK in a WorkItem (our encoder), lets the SDK decode and re-encode it, decodes it again. */
function throughSdk(events: readonly WireHistoryEvent[]): { sdk: SdkMessage; back: WorkItem } {
  const ours = sidecarProtocol().service.GetWorkItems!;
  const sdkMethod = sdkService["GetWorkItems"]!;
  const bytes = ours.responseSerialize({
    orchestratorRequest: { instanceId: "order-1", newEvents: events },
    completionToken: "t-1",
  });
  const sdk = sdkMethod.responseDeserialize(bytes);
  const back = ours.responseDeserialize(sdkMethod.responseSerialize(sdk)) as WorkItem;
  return { sdk, back };
}

describe("sidecar history events", () => {
  it("round-trips every Taskhub event type through the protocol's HistoryEvent", () => {
    for (const event of all)
      assert.deepEqual(fromWireHistoryEvent(toWireHistoryEvent(event)), expectedBack(event));
  });

  it("puts eventId on scheduling events only, -1 on every other event", () => {
    for (const event of all) {
      const expected = SCHEDULING.has(event.type) ? (event as { eventId: number }).eventId : NO_EVENT_ID;
      assert.equal(toWireHistoryEvent(event).eventId, expected, event.type);
    }
  });

  it("survives the SDK: it reads each event's type, id and timestamp, and re-encodes the same bytes' values", () => {
    const wire = all.map(toWireHistoryEvent);
    const { sdk, back } = throughSdk(wire);
    assert.equal(sdk["getCompletiontoken"]!(), "t-1");
    const request = sdk["getOrchestratorrequest"]!() as SdkMessage;
    const sdkEvents = request["getNeweventsList"]!() as SdkMessage[];
    const cases = (sdkPb["HistoryEvent"] as { EventtypeCase: Record<string, number> }).EventtypeCase;
    assert.equal(sdkEvents.length, all.length);
    sdkEvents.forEach((e, i) => {
      const w = wire[i]!;
      assert.equal(e["getEventtypeCase"]!(), cases[w.eventType!.toUpperCase()], all[i]!.type);
      assert.equal(e["getEventid"]!(), w.eventId);
      const ts = e["getTimestamp"]!() as SdkMessage;
      assert.equal(
        fromTimestamp({ seconds: ts["getSeconds"]!() as number, nanos: ts["getNanos"]!() as number }),
        all[i]!.timestamp,
      );
    });
    assert.equal(back.request, "orchestratorRequest");
    const events = back.orchestratorRequest!.newEvents;
    assert.deepEqual(events, wire);
    assert.deepEqual(events.map(fromWireHistoryEvent), all.map(expectedBack));
  });

  it("gives the SDK what ExecutionStarted and the entity events carry", () => {
    const started = toWireHistoryEvent(EVENTS.ExecutionStarted);
    const { sdk } = throughSdk([started]);
    const e = ((sdk["getOrchestratorrequest"]!() as SdkMessage)["getNeweventsList"]!() as SdkMessage[])[0]!;
    const s = e["getExecutionstarted"]!() as SdkMessage;
    const instance = s["getOrchestrationinstance"]!() as SdkMessage;
    assert.equal(instance["getInstanceid"]!(), "order-1");
    assert.equal((instance["getExecutionid"]!() as SdkMessage)["getValue"]!(), "e-1");
    const parent = s["getParentinstance"]!() as SdkMessage;
    assert.equal(parent["getTaskscheduledid"]!(), 4);
    assert.equal((parent["getName"]!() as SdkMessage)["getValue"]!(), "Parent");
    assert.equal((parent["getOrchestrationinstance"]!() as SdkMessage)["getInstanceid"]!(), "parent-1");
    assert.equal((s["getVersion"]!() as SdkMessage)["getValue"]!(), "1.2");
    assert.equal((s["getTagsMap"]!() as { get(k: string): unknown }).get("team"), "payments");
    assert.equal((s["getParenttracecontext"]!() as SdkMessage)["getTraceparent"]!(), trace.traceParent);
    assert.equal((s["getInput"]!() as SdkMessage)["getValue"]!(), '{"items":3}');
  });

  it("sends a terminate reason as JSON text and reads back a JSON string, or raw text otherwise", () => {
    const wire = toWireHistoryEvent(EVENTS.ExecutionTerminated);
    assert.deepEqual(wire.executionTerminated, { input: { value: '"stop now"' }, recurse: false });
    const terminated = (input: string | null, recurse = true): HistoryEvent =>
      fromWireHistoryEvent({
        eventId: -1,
        timestamp: toTimestamp(at(1)),
        eventType: "executionTerminated",
        executionTerminated: { input: input === null ? null : { value: input }, recurse },
      });
    assert.deepEqual(terminated('"why"'), {
      type: "ExecutionTerminated",
      timestamp: at(1),
      reason: "why",
      recursive: true,
    });
    assert.equal((terminated('{"code":1}') as HistoryEventOf<"ExecutionTerminated">).reason, '{"code":1}');
    assert.equal((terminated("not json") as HistoryEventOf<"ExecutionTerminated">).reason, "not json");
    assert.equal((terminated(null) as HistoryEventOf<"ExecutionTerminated">).reason, undefined);
    const noRecursive = toWireHistoryEvent({ type: "ExecutionTerminated", timestamp: at(1) });
    assert.deepEqual(
      noRecursive.executionTerminated,
      { input: null, recurse: true },
      "absent recursive means true",
    );
  });

  it("carries failure chains as innerFailure, with the non-retryable flag", () => {
    const wire = toWireHistoryEvent(EVENTS.TaskFailed).taskFailed!.failureDetails!;
    assert.equal(wire.errorType, "TaskFailedError");
    assert.equal(wire.errorMessage, failure.message);
    assert.deepEqual(wire.stackTrace, { value: failure.stack });
    assert.equal(wire.isNonRetriable, false);
    assert.equal(wire.innerFailure!.errorType, "RangeError");
    assert.equal(wire.innerFailure!.isNonRetriable, true);
    assert.equal(wire.innerFailure!.stackTrace, null);
  });

  it("converts times to Timestamps with millisecond nanos, and statuses both ways", () => {
    assert.deepEqual(toTimestamp("2026-01-02T03:04:05.678Z"), { seconds: 1767323045, nanos: 678_000_000 });
    assert.equal(fromTimestamp({ seconds: 1767323045, nanos: 678_999_999 }), "2026-01-02T03:04:05.678Z");
    assert.throws(() => toTimestamp("yesterday"), InvalidArgumentError);
    for (const status of RUNTIME_STATUSES)
      assert.equal(fromOrchestrationStatus(toOrchestrationStatus(status)), status);
    assert.throws(() => fromOrchestrationStatus("ORCHESTRATION_STATUS_CANCELED"), InvalidArgumentError);
  });

  it("sends a patch marker as a GenericEvent and reads only that shape back as one", () => {
    const wire = toWireHistoryEvent(EVENTS.PatchMarkerRecorded);
    assert.equal(wire.eventType, "genericEvent");
    assert.deepEqual(JSON.parse(wire.genericEvent!.data!.value), {
      $taskhub: "PatchMarkerRecorded",
      patchId: "use-v2",
      position: 3,
    });
    const generic = (data: string): WireHistoryEvent => ({
      eventId: -1,
      timestamp: toTimestamp(at(1)),
      eventType: "genericEvent",
      genericEvent: { data: { value: data } },
    });
    for (const data of [
      '{"$taskhub":"PatchMarkerRecorded","patchId":"p","position":1,"x":1}',
      '{"patchId":"p"}',
      "text",
    ])
      assert.throws(() => fromWireHistoryEvent(generic(data)), /genericEvent/);
  });

  it("refuses protocol events Taskhub has no type for, naming them", () => {
    const base = { eventId: -1, timestamp: toTimestamp(at(1)) };
    const refused: WireHistoryEvent[] = [
      { ...base, eventType: "continueAsNew", continueAsNew: { input: null } },
      { ...base, eventType: "historyState", historyState: { orchestrationState: null } },
      { ...base, eventType: "genericEvent", genericEvent: { data: null } },
    ];
    for (const event of refused)
      assert.throws(
        () => fromWireHistoryEvent(event),
        (e: unknown) => e instanceof InvalidArgumentError && e.message.includes(event.eventType!),
      );
    assert.throws(() => fromWireHistoryEvent(base), InvalidArgumentError);
    assert.throws(
      () => fromWireHistoryEvent({ ...toWireHistoryEvent(EVENTS.OrchestratorStarted), timestamp: null }),
      /timestamp/,
    );
    const noFailure: WireHistoryEvent = {
      ...base,
      eventType: "taskFailed",
      taskFailed: { taskScheduledId: 2, failureDetails: null },
    };
    assert.throws(() => fromWireHistoryEvent(noFailure), /failureDetails/);
  });
});
