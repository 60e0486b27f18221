/**
 * The pure parts of the HTTP layer: URL encoding, history mapping, route templates, query parsing, log redaction.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { HistoryEvent } from "../../src/core/history-event.js";
import { toHistoryEventsPayload } from "../../src/http/history-events.js";
import { webUtilityUrlDecode, webUtilityUrlEncode } from "../../src/http/management-urls.js";
import { QueryParams } from "../../src/http/query-params.js";
import { redactedTarget } from "../../src/http/request-log.js";
import { RouteTemplate, splitPath } from "../../src/http/route-template.js";

const t = (s: number) => `2024-01-01T00:00:0${s}.000Z`;

describe("HTTP layer units", () => {
  it("encodes instance IDs as .NET's WebUtility.UrlEncode and decodes them back", () => {
    assert.equal(webUtilityUrlEncode("abc-_.!*()XYZ09"), "abc-_.!*()XYZ09");
    assert.equal(webUtilityUrlEncode("a b:c/é~'"), "a+b%3Ac%2F%C3%A9%7E%27");
    assert.equal(webUtilityUrlDecode("a+b%3Ac%2F%C3%A9"), "a b:c/é");
    assert.equal(webUtilityUrlDecode("%zz"), undefined);
  });

  it("maps history to Durable Functions' historyEvents, folding scheduled events into completions", () => {
    const history: HistoryEvent[] = [
      { type: "OrchestratorStarted", timestamp: t(0) },
      {
        type: "ExecutionStarted",
        timestamp: t(0),
        name: "Parent",
        instanceId: "p",
        executionId: "e",
        input: "1",
      },
      { type: "TaskScheduled", timestamp: t(1), eventId: 0, name: "Act", input: "2" },
      {
        type: "SubOrchestrationInstanceCreated",
        timestamp: t(1),
        eventId: 1,
        name: "Child",
        instanceId: "p:1",
      },
      { type: "TaskScheduled", timestamp: t(1), eventId: 2, name: "Pending" },
      { type: "OrchestratorCompleted", timestamp: t(1) },
      {
        type: "TaskFailed",
        timestamp: t(2),
        taskScheduledId: 0,
        failure: { errorType: "Error", message: "nope", stack: "at x.ts:1" },
      },
      { type: "SubOrchestrationInstanceCompleted", timestamp: t(3), taskScheduledId: 1, result: '"ok"' },
      { type: "EventRaised", timestamp: t(4), name: "Go", input: "{}" },
      { type: "ExecutionCompleted", timestamp: t(5), status: "Completed", result: "not json" },
    ];
    const events = toHistoryEventsPayload(history, { showHistoryOutput: true });
    assert.deepEqual(events, [
      { EventType: "ExecutionStarted", FunctionName: "Parent", Timestamp: t(0) },
      { EventType: "TaskScheduled", Name: "Pending", Timestamp: t(1) },
      {
        EventType: "TaskFailed",
        Reason: "nope",
        FailureDetails: { ErrorType: "Error", ErrorMessage: "nope", IsNonRetriable: false },
        FunctionName: "Act",
        ScheduledTime: t(1),
        Timestamp: t(2),
      },
      {
        EventType: "SubOrchestrationInstanceCompleted",
        Result: "ok",
        FunctionName: "Child",
        ScheduledTime: t(1),
        Timestamp: t(3),
      },
      { EventType: "EventRaised", Name: "Go", Timestamp: t(4) },
      {
        EventType: "ExecutionCompleted",
        OrchestrationStatus: "Completed",
        Result: "not json",
        Timestamp: t(5),
      },
    ]);
    const quiet = toHistoryEventsPayload(history, { showHistoryOutput: false });
    assert.ok(quiet.every((e) => !("Result" in e)));
  });

  it("matches route templates with parameters, optional and catch-all segments and constraints", () => {
    const orders = RouteTemplate.parse("/Orders/{id:int}/{action?}");
    assert.deepEqual(orders.match(splitPath("/orders/42")), { id: "42" });
    assert.deepEqual(orders.match(splitPath("/ORDERS/42/ship/")), { id: "42", action: "ship" });
    assert.equal(orders.match(splitPath("/orders/x")), undefined);
    assert.equal(orders.match(splitPath("/orders/1/2/3")), undefined);
    assert.deepEqual(RouteTemplate.parse("files/{*path}").match(splitPath("/files/a/b%20c")), {
      path: "a/b c",
    });
    assert.throws(() => RouteTemplate.parse("a/{x?}/b"), /last segment/);
    assert.throws(() => RouteTemplate.parse("a/{x:uuid}"), /unknown constraint/);
    assert.throws(() => RouteTemplate.parse("a/{x}/{X}"), /twice/);
  });

  it("parses query values case-insensitively and names the parameter when one is invalid", () => {
    const query = new QueryParams(
      new URLSearchParams("SHOWHISTORY=True&runtimeStatus=running,1&runtimeStatus=Canceled&top=5"),
    );
    assert.equal(query.boolean("showHistory", false), true);
    assert.deepEqual(query.statuses("runtimeStatus"), ["Running", "Completed"]);
    assert.equal(query.integer("top", 1, 1000), 5);
    const dates = new QueryParams(
      new URLSearchParams("a=2024-02-03&b=2024-02-03T04:05:06&c=2024-02-03T04:05:06.123+02:00&d=999-01-01"),
    );
    assert.equal(dates.date("a")?.toISOString(), "2024-02-03T00:00:00.000Z");
    assert.equal(dates.date("b")?.toISOString(), "2024-02-03T04:05:06.000Z");
    assert.equal(dates.date("c")?.toISOString(), "2024-02-03T02:05:06.123Z");
    assert.equal(dates.date("d")?.toISOString(), "0999-01-01T00:00:00.000Z");
    assert.throws(() => new QueryParams(new URLSearchParams("top=1e3")).integer("top", 1, 1000), /'top'/);
  });

  it("redacts keys and escapes control characters in request logs", () => {
    const url = new URL("http://h/api/x?code=SECRET&token=T0K&name=a%0Ab");
    assert.equal(redactedTarget(url), "/api/x?code=***&token=***&name=a\\x0ab");
  });
});
