/**
 * The management API over real HTTP: every route and status code of Durable Functions' HTTP API.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { eventually } from "../support/test-host.js";
import { makeTestApp, MGMT, pollUntilDone, startTestHost, type TestHost } from "./http-test-host.js";

const json = { "content-type": "application/json" };

describe("management API", () => {
  let host: TestHost;
  let healing: { broken: boolean };
  before(async () => {
    const made = makeTestApp();
    healing = made.healing;
    host = await startTestHost(made.app);
  });
  after(() => host.close());

  const post = (path: string, body?: unknown, headers: Record<string, string> = json) =>
    host.fetch(`${MGMT}${path}`, {
      method: "POST",
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const waitDone = (id: string) => host.client.waitForCompletion(id, { timeoutMs: 10_000 });

  it("POST /orchestrators/{name} starts an instance: 202 with the check-status payload", async () => {
    const response = await post("/orchestrators/Hello", "Tokyo");
    assert.equal(response.status, 202);
    assert.equal(response.headers.get("retry-after"), "10");
    const body = (await response.json()) as Record<string, string>;
    assert.deepEqual(Object.keys(body), [
      "id",
      "statusQueryGetUri",
      "sendEventPostUri",
      "terminatePostUri",
      "purgeHistoryDeleteUri",
      "restartPostUri",
      "suspendPostUri",
      "resumePostUri",
    ]);
    assert.equal(response.headers.get("location"), body.statusQueryGetUri);
    const id = body.id ?? "";
    assert.match(id, /^[0-9a-f]{32}$/);
    assert.equal(
      body.statusQueryGetUri,
      `${host.url}${MGMT}/instances/${id}?taskHub=${host.hubName}&connection=Storage`,
    );
    assert.equal(
      body.sendEventPostUri,
      `${host.url}${MGMT}/instances/${id}/raiseEvent/{eventName}?taskHub=${host.hubName}&connection=Storage`,
    );
    assert.equal(
      body.terminatePostUri,
      `${host.url}${MGMT}/instances/${id}/terminate?reason={text}&taskHub=${host.hubName}&connection=Storage`,
    );
    const done = (await pollUntilDone(body.statusQueryGetUri ?? "")) as Record<string, unknown>;
    assert.equal(done.runtimeStatus, "Completed");
    assert.deepEqual(done.output, ["Hello Tokyo!", "Hello Seattle!"]);
  });

  it("POST /orchestrators/{name}/{id}?timeout&pollingInterval waits: 200 with the raw output", async () => {
    const response = await post("/orchestrators/Hello/waited-1?timeout=10&pollingInterval=1", "Oslo");
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), ["Hello Oslo!", "Hello Seattle!"]);
  });

  it("POST /orchestrators: 400 unknown function / invalid ID / invalid JSON, 409 duplicate, nothing created", async () => {
    const before = await host.client.listInstances({ pageSize: 1000 });
    const unknown = await post("/orchestrators/NoSuchThing", 1);
    assert.equal(unknown.status, 400);
    assert.equal(((await unknown.json()) as { error: string }).error, "unknown_function");
    const badId = await post("/orchestrators/Hello/bad%23id", 1);
    assert.equal(badId.status, 400);
    assert.equal(((await badId.json()) as { error: string }).error, "invalid_instance_id");
    const badJson = await host.fetch(`${MGMT}/orchestrators/Hello`, {
      method: "POST",
      headers: json,
      body: "{nope",
    });
    assert.equal(badJson.status, 400);
    assert.deepEqual(await badJson.json(), {
      error: "invalid_json",
      message: "Invalid JSON content: the request body is not valid JSON.",
    });
    const badWait = await post("/orchestrators/Hello?timeout=1&pollingInterval=5", "x");
    assert.equal(badWait.status, 400);
    assert.equal(((await badWait.json()) as { parameter: string }).parameter, "pollingInterval");
    const after = await host.client.listInstances({ pageSize: 1000 });
    assert.equal(after.instances.length, before.instances.length);
    assert.equal((await post("/orchestrators/WaitForApproval/dup-1")).status, 202);
    const duplicate = await post("/orchestrators/WaitForApproval/dup-1");
    assert.equal(duplicate.status, 409);
    await host.client.terminate("dup-1");
  });

  it("GET /instances/{id}: 202 + Location + Retry-After 5 while running, 200 when done, 404 unknown", async () => {
    await post("/orchestrators/WaitForApproval/approval-1");
    await eventually(async () => (await host.client.getStatus("approval-1"))?.runtimeStatus === "Running");
    const running = await host.fetch(`${MGMT}/instances/approval-1?taskHub=${host.hubName}`);
    assert.equal(running.status, 202);
    assert.equal(running.headers.get("retry-after"), "5");
    assert.equal(
      running.headers.get("location"),
      `${host.url}${MGMT}/instances/approval-1?taskHub=${host.hubName}`,
    );
    const status = (await running.json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(status), [
      "name",
      "instanceId",
      "runtimeStatus",
      "input",
      "customStatus",
      "output",
      "createdTime",
      "lastUpdatedTime",
    ]);
    assert.equal(status.customStatus, "waiting");
    assert.match(String(status.createdTime), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const raised = await post("/instances/approval-1/raiseEvent/Approval", { approved: true });
    assert.equal(raised.status, 202);
    await waitDone("approval-1");
    const done = await host.fetch(`${MGMT}/instances/approval-1`);
    assert.equal(done.status, 200);
    assert.equal(done.headers.get("location"), null);
    assert.deepEqual(((await done.json()) as { output: unknown }).output, { approved: true });
    const missing = await host.fetch(`${MGMT}/instances/nobody-home`);
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { error: string }).error, "instance_not_found");
  });

  it("GET /instances/{id}: Failed is 200, or 500 with returnInternalServerErrorOnFailure; no stack trace", async () => {
    await post("/orchestrators/Boom/boom-1");
    await waitDone("boom-1");
    const failed = await host.fetch(`${MGMT}/instances/boom-1`);
    assert.equal(failed.status, 200);
    const body = (await failed.json()) as { runtimeStatus: string; output: string };
    assert.equal(body.runtimeStatus, "Failed");
    assert.equal(body.output, "Orchestrator function 'Boom' failed: TypeError: boom");
    const strict = await host.fetch(`${MGMT}/instances/boom-1?returnInternalServerErrorOnFailure=true`);
    assert.equal(strict.status, 500);
    assert.doesNotMatch(await strict.text(), /at .*\.ts:\d+/);
  });

  it("GET /instances/{id}?showHistory&showHistoryOutput&showInput=false: Durable Functions' historyEvents", async () => {
    await post("/orchestrators/Hello/history-1", "Lima");
    await waitDone("history-1");
    const plain = await host.fetch(`${MGMT}/instances/history-1?showHistory=true&showInput=false`);
    const status = (await plain.json()) as { input: unknown; historyEvents: Record<string, unknown>[] };
    assert.equal(status.input, null);
    assert.deepEqual(
      status.historyEvents.map((e) => e.EventType),
      ["ExecutionStarted", "TaskCompleted", "TaskCompleted", "ExecutionCompleted"],
    );
    assert.equal(status.historyEvents[0]?.FunctionName, "Hello");
    assert.equal(status.historyEvents[1]?.FunctionName, "SayHello");
    assert.ok(status.historyEvents[1]?.ScheduledTime);
    assert.ok(!("Result" in (status.historyEvents[1] ?? {})));
    const withOutput = await host.fetch(
      `${MGMT}/instances/history-1?showHistory=true&showHistoryOutput=true`,
    );
    const full = (await withOutput.json()) as { input: unknown; historyEvents: Record<string, unknown>[] };
    assert.equal(full.input, "Lima");
    assert.equal(full.historyEvents[1]?.Result, "Hello Lima!");
    assert.deepEqual(full.historyEvents[3]?.Result, ["Hello Lima!", "Hello Seattle!"]);
    assert.equal(full.historyEvents[3]?.OrchestrationStatus, "Completed");
  });

  it("GET /instances/ lists with filters and pages through x-ms-continuation-token", async () => {
    for (let i = 0; i < 5; i++) await post(`/orchestrators/Hello/page-${i}`, `p${i}`);
    for (let i = 0; i < 5; i++) await waitDone(`page-${i}`);
    const seen: string[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const headers: Record<string, string> = token ? { "x-ms-continuation-token": token } : {};
      const response = await host.fetch(
        `${MGMT}/instances/?instanceIdPrefix=page-&top=2&runtimeStatus=Completed,Failed`,
        { headers },
      );
      assert.equal(response.status, 200);
      const page = (await response.json()) as { instanceId: string; input: unknown }[];
      seen.push(...page.map((s) => s.instanceId));
      token = response.headers.get("x-ms-continuation-token");
      pages++;
    } while (token && pages < 10);
    assert.deepEqual(seen.sort(), ["page-0", "page-1", "page-2", "page-3", "page-4"]);
    assert.ok(pages >= 3);
    const noInput = (await (
      await host.fetch(`${MGMT}/instances?instanceIdPrefix=page-0&showInput=false`)
    ).json()) as { input: unknown }[];
    assert.equal(noInput[0]?.input, null);
    const future = await host.fetch(`${MGMT}/instances/?createdTimeFrom=2999-01-01T00:00:00Z`);
    assert.deepEqual(await future.json(), []);
    const badToken = await host.fetch(`${MGMT}/instances/`, {
      headers: { "x-ms-continuation-token": "garbage!!" },
    });
    assert.equal(badToken.status, 400);
  });

  it("GET /instances/ filters by orchestration name and version (Taskhub's own parameters)", async () => {
    await host.client.startNew("Hello", { instanceId: "nv-hello-1", input: "a", version: "1.0" });
    await host.client.startNew("Hello", { instanceId: "nv-hello-2", input: "b", version: "2.0" });
    await waitDone("nv-hello-1");
    await waitDone("nv-hello-2");
    const list = async (query: string) =>
      (
        (await (await host.fetch(`${MGMT}/instances/?instanceIdPrefix=nv-&${query}`)).json()) as {
          instanceId: string;
        }[]
      )
        .map((s) => s.instanceId)
        .sort();
    assert.deepEqual(await list("name=Hello"), ["nv-hello-1", "nv-hello-2"]);
    assert.deepEqual(await list("name=hello"), [], "names are case-sensitive");
    assert.deepEqual(await list("name=Hello&version=2.0&runtimeStatus=Completed"), ["nv-hello-2"]);
    assert.deepEqual(await list("NAME=Hello&Version=1.0"), ["nv-hello-1"], "parameter names in any case");
    assert.deepEqual(await list("name=&version="), ["nv-hello-1", "nv-hello-2"], "empty: no filter");
  });

  it("raiseEvent: 404 unknown, 410 finished, 400 non-JSON content type and invalid JSON", async () => {
    assert.equal((await post("/instances/ghost/raiseEvent/Approval", 1)).status, 404);
    assert.equal((await post("/instances/history-1/raiseEvent/Approval", 1)).status, 410);
    await post("/orchestrators/WaitForApproval/event-2");
    const text = await post("/instances/event-2/raiseEvent/Approval", "x", { "content-type": "text/plain" });
    assert.equal(text.status, 400);
    assert.equal(((await text.json()) as { error: string }).error, "invalid_content_type");
    const broken = await host.fetch(`${MGMT}/instances/event-2/raiseEvent/Approval`, {
      method: "POST",
      headers: json,
      body: "[1,",
    });
    assert.equal(broken.status, 400);
    assert.equal((await host.client.getStatus("event-2"))?.runtimeStatus !== "Completed", true);
    await host.client.terminate("event-2");
  });

  it("terminate / suspend / resume: 202, 404 unknown, 410 finished", async () => {
    await post("/orchestrators/WaitForApproval/control-1");
    await eventually(async () => (await host.client.getStatus("control-1"))?.runtimeStatus === "Running");
    assert.equal((await post("/instances/control-1/suspend?reason=pause")).status, 202);
    await eventually(async () => (await host.client.getStatus("control-1"))?.runtimeStatus === "Suspended");
    assert.equal((await host.fetch(`${MGMT}/instances/control-1`)).status, 202);
    assert.equal((await post("/instances/control-1/resume?reason=go")).status, 202);
    await eventually(async () => (await host.client.getStatus("control-1"))?.runtimeStatus === "Running");
    assert.equal((await post("/instances/control-1/terminate?reason=enough")).status, 202);
    const terminated = await waitDone("control-1");
    assert.equal(terminated.runtimeStatus, "Terminated");
    const status = (await (await host.fetch(`${MGMT}/instances/control-1`)).json()) as { output: unknown };
    assert.equal(status.output, "enough");
    for (const op of ["terminate", "suspend", "resume"]) {
      assert.equal((await post(`/instances/control-1/${op}`)).status, 410, op);
      assert.equal((await post(`/instances/ghost-1/${op}`)).status, 404, op);
    }
  });

  it("terminate is recursive by default; ?recursive=false leaves the children running; a bad value is a 400", async () => {
    const running = (id: string) =>
      eventually(async () => (await host.client.getStatus(id))?.runtimeStatus === "Running");
    await post("/orchestrators/ParentOfApproval/tree-1");
    await post("/orchestrators/ParentOfApproval/tree-2");
    await running("tree-1-child");
    await running("tree-2-child");
    const bad = await post("/instances/tree-1/terminate?recursive=maybe");
    assert.equal(bad.status, 400);
    assert.match(
      ((await bad.json()) as { message: string }).message,
      /'recursive' must be 'true' or 'false'/,
    );
    assert.equal((await post("/instances/tree-1/terminate?reason=cut")).status, 202);
    for (const id of ["tree-1", "tree-1-child"]) {
      const status = await waitDone(id);
      assert.equal(status.runtimeStatus, "Terminated", id);
      assert.equal(status.output, "cut", id);
    }
    assert.equal((await post("/instances/tree-2/terminate?reason=cut&recursive=false")).status, 202);
    assert.equal((await waitDone("tree-2")).runtimeStatus, "Terminated");
    assert.equal((await host.client.getStatus("tree-2-child"))?.runtimeStatus, "Running");
    await host.client.raiseEvent("tree-2-child", "Approval", { approved: true });
    assert.deepEqual((await waitDone("tree-2-child")).output, { approved: true });
  });

  it("GET /instances/{id} shows scheduledStartTime for a delayed start, and not otherwise", async () => {
    const startAt = new Date(Date.now() + 3_600_000);
    await host.client.startNew("Hello", { instanceId: "scheduled-1", startAt });
    const body = (await (await host.fetch(`${MGMT}/instances/scheduled-1`)).json()) as Record<
      string,
      unknown
    >;
    assert.equal(body.runtimeStatus, "Pending");
    assert.equal(body.scheduledStartTime, `${startAt.toISOString().slice(0, 19)}Z`);
    await post("/orchestrators/Hello/scheduled-2");
    await waitDone("scheduled-2");
    const now = (await (await host.fetch(`${MGMT}/instances/scheduled-2`)).json()) as Record<string, unknown>;
    assert.equal("scheduledStartTime" in now, false);
  });

  it("rewind: 202 for Failed (re-runs only the failed activity), 404 unknown, 410 Completed, 412 running", async () => {
    healing.broken = true;
    await post("/orchestrators/FailOnce/rewind-1");
    assert.equal((await waitDone("rewind-1")).runtimeStatus, "Failed");
    healing.broken = false;
    assert.equal((await post("/instances/rewind-1/rewind?reason=fixed")).status, 202);
    // The rewind is processed asynchronously: the instance stays Failed until a worker takes the rewind message.
    const rewound = await eventually(async () => {
      const status = await host.client.getStatus("rewind-1");
      return status?.runtimeStatus !== "Failed" ? waitDone("rewind-1") : undefined;
    });
    assert.equal(rewound.runtimeStatus, "Completed");
    assert.deepEqual(rewound.output, { first: "Hello before!", value: 42 });
    assert.equal((await post("/instances/ghost-2/rewind")).status, 404);
    assert.equal((await post("/instances/rewind-1/rewind")).status, 410);
    await post("/orchestrators/WaitForApproval/rewind-running");
    const running = await post("/instances/rewind-running/rewind");
    assert.equal(running.status, 412);
    await host.client.terminate("rewind-running");
  });

  it("restart: 202 for a new or the same ID, 400 unknown ID, 409 while running", async () => {
    await post("/orchestrators/Hello/restart-1", "Rome");
    await waitDone("restart-1");
    const fresh = await post("/instances/restart-1/restart");
    assert.equal(fresh.status, 202);
    const freshId = ((await fresh.json()) as { id: string }).id;
    assert.notEqual(freshId, "restart-1");
    assert.deepEqual((await waitDone(freshId)).output, ["Hello Rome!", "Hello Seattle!"]);
    const same = await post("/instances/restart-1/restart?restartWithNewInstanceId=false");
    assert.equal(same.status, 202);
    assert.equal(((await same.json()) as { id: string }).id, "restart-1");
    await waitDone("restart-1");
    const unknown = await post("/instances/ghost-3/restart");
    assert.equal(unknown.status, 400);
    assert.equal(
      ((await unknown.json()) as { message: string }).message,
      "InstanceId does not match a valid orchestration instance.",
    );
    await post("/orchestrators/WaitForApproval/restart-running");
    await eventually(
      async () => (await host.client.getStatus("restart-running"))?.runtimeStatus === "Running",
    );
    assert.equal(
      (await post("/instances/restart-running/restart?restartWithNewInstanceId=false")).status,
      409,
    );
    await host.client.terminate("restart-running");
  });

  it("DELETE /instances/{id}: 200 { instancesDeleted: 1 }, 404 unknown, 412 active", async () => {
    await post("/orchestrators/Hello/purge-1", "x");
    await waitDone("purge-1");
    const purged = await host.fetch(`${MGMT}/instances/purge-1`, { method: "DELETE" });
    assert.equal(purged.status, 200);
    assert.deepEqual(await purged.json(), { instancesDeleted: 1 });
    assert.equal((await host.fetch(`${MGMT}/instances/purge-1`)).status, 404);
    assert.equal((await host.fetch(`${MGMT}/instances/purge-1`, { method: "DELETE" })).status, 404);
    await post("/orchestrators/WaitForApproval/purge-active");
    assert.equal((await host.fetch(`${MGMT}/instances/purge-active`, { method: "DELETE" })).status, 412);
    assert.ok(await host.client.getStatus("purge-active"));
    await host.client.terminate("purge-active");
  });

  it("DELETE /instances/?createdTimeFrom: 400 without it, 404 when nothing matches, 200 with the count", async () => {
    const missing = await host.fetch(`${MGMT}/instances/`, { method: "DELETE" });
    assert.equal(missing.status, 400);
    assert.deepEqual(await missing.json(), {
      error: "invalid_parameter",
      message: "Please provide value for 'createdTimeFrom' parameter.",
      parameter: "createdTimeFrom",
    });
    const none = await host.fetch(`${MGMT}/instances/?createdTimeFrom=2999-01-01`, { method: "DELETE" });
    assert.equal(none.status, 404);
    const from = new Date(Date.now() - 1000).toISOString();
    for (let i = 0; i < 3; i++) await post(`/orchestrators/Hello/bulk-${i}`, "b");
    for (let i = 0; i < 3; i++) await waitDone(`bulk-${i}`);
    await post("/orchestrators/WaitForApproval/bulk-active");
    const purged = await host.fetch(`${MGMT}/instances/?createdTimeFrom=${from}&runtimeStatus=Completed`, {
      method: "DELETE",
    });
    assert.equal(purged.status, 200);
    const { instancesDeleted } = (await purged.json()) as { instancesDeleted: number };
    assert.ok(instancesDeleted >= 3);
    assert.equal(await host.client.getStatus("bulk-0"), undefined);
    assert.ok(await host.client.getStatus("bulk-active"));
    await host.client.terminate("bulk-active");
  });

  it("routes: unknown 404, wrong method 405 with Allow, foreign taskHub 400", async () => {
    const unknown = await host.fetch(`${MGMT}/nothing-here`);
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { error: string }).error, "not_found");
    const wrong = await host.fetch(`${MGMT}/instances/history-1`, { method: "PUT" });
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get("allow"), "GET, DELETE");
    const start = await host.fetch(`${MGMT}/orchestrators/Hello`);
    assert.equal(start.status, 405);
    const hub = await host.fetch(`${MGMT}/instances/history-1?taskHub=OtherHub`);
    assert.equal(hub.status, 400);
    assert.equal(((await hub.json()) as { parameter: string }).parameter, "taskHub");
  });
});
