/**
 * Bad input over HTTP: every kind of malformed request gets a clear JSON error (never a 500 or a stack trace) and
 * changes nothing in the hub; a fuzz run of a few hundred generated bad requests leaves the server serving.
 */
import assert from "node:assert/strict";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";
import { makeTestApp, MGMT, startTestHost, type TestHost } from "./http-test-host.js";

const json = { "content-type": "application/json" };

/** Deterministic pseudo-random numbers (mulberry32). */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface BadRequest {
  readonly label: string;
  readonly path: string;
  readonly init: RequestInit;
  /** Acceptable statuses. */
  readonly expect: readonly number[];
}

describe("bad input over HTTP", () => {
  let host: TestHost;
  before(async () => {
    host = await startTestHost(makeTestApp().app, { flags: { "max-body-bytes": "2048" } });
    await host.client.startNew("Hello", { instanceId: "finished-1", input: "x" });
    await host.client.waitForCompletion("finished-1");
    await host.client.startNew("WaitForApproval", { instanceId: "running-1" });
    await host.client.waitForCompletion("finished-1");
  });
  after(() => host.close());

  const snapshot = async () =>
    JSON.stringify(
      (await host.client.listInstances({ pageSize: 1000 })).instances
        .map((s) => [s.instanceId, s.runtimeStatus, s.lastUpdatedTime.getTime(), s.customStatus])
        .sort(),
    );

  async function expectJsonError(response: Response, status: number, parameter?: string): Promise<void> {
    assert.equal(response.status, status);
    assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
    const body = (await response.json()) as { error: string; message: string; parameter?: string };
    assert.equal(typeof body.error, "string");
    assert.ok(body.message.length > 0);
    assert.doesNotMatch(body.message, /\n\s+at /);
    if (parameter) assert.equal(body.parameter, parameter);
  }

  it("malformed JSON, oversized bodies (413), unknown routes (404), wrong methods (405)", async () => {
    await expectJsonError(
      await host.fetch(`${MGMT}/orchestrators/Hello`, { method: "POST", headers: json, body: '{"a":' }),
      400,
    );
    await expectJsonError(
      await host.fetch(`${MGMT}/orchestrators/Hello`, {
        method: "POST",
        headers: json,
        body: JSON.stringify("x".repeat(5000)),
      }),
      413,
    );
    await expectJsonError(
      await host.fetch("/api/orchestrators/Hello", { method: "POST", body: "y".repeat(3000) }),
      413,
    );
    await expectJsonError(await host.fetch("/favicon.ico"), 404);
    await expectJsonError(await host.fetch(`${MGMT}/instances/running-1/explode`, { method: "POST" }), 404);
    await expectJsonError(await host.fetch(`${MGMT}/instances/`, { method: "PATCH" }), 405);
  });

  it("invalid query values are 400 naming the parameter", async () => {
    const cases: [string, string][] = [
      ["/instances/finished-1?showHistory=yes", "showHistory"],
      ["/instances/finished-1?showInput=1", "showInput"],
      ["/instances/?top=0", "top"],
      ["/instances/?top=abc", "top"],
      ["/instances/?top=5000", "top"],
      ["/instances/?createdTimeFrom=yesterday", "createdTimeFrom"],
      ["/instances/?createdTimeTo=2024-13-45", "createdTimeTo"],
      ["/instances/?runtimeStatus=Running,Sleeping", "runtimeStatus"],
    ];
    for (const [path, parameter] of cases)
      await expectJsonError(await host.fetch(`${MGMT}${path}`), 400, parameter);
    await expectJsonError(
      await host.fetch(`${MGMT}/orchestrators/Hello?timeout=-1&pollingInterval=1`, { method: "POST" }),
      400,
      "timeout",
    );
    await expectJsonError(
      await host.fetch(`${MGMT}/instances/finished-1/restart?restartWithNewInstanceId=sure`, {
        method: "POST",
      }),
      400,
      "restartWithNewInstanceId",
    );
  });

  it("instance IDs with / \\ ? # or control characters are rejected with a clear error", async () => {
    for (const id of ["a%5Cb", "a%3Fb", "a%23b", "a%00b", "a%1Fb", "%40entity", "x".repeat(300), "a%zzb"]) {
      const response = await host.fetch(`${MGMT}/orchestrators/Hello/${id}`, { method: "POST" });
      await expectJsonError(response, 400);
    }
    const slash = await host.fetch(`${MGMT}/orchestrators/Hello/a%2Fb`, { method: "POST" });
    await expectJsonError(slash, 400);
  });

  it("raising events on finished instances is 410 and changes nothing", async () => {
    const before = await snapshot();
    const response = await host.fetch(`${MGMT}/instances/finished-1/raiseEvent/Approval`, {
      method: "POST",
      headers: json,
      body: "1",
    });
    await expectJsonError(response, 410);
    assert.equal(await snapshot(), before);
  });

  it("malformed HTTP on the socket gets a JSON 400", async () => {
    const url = new URL(host.url);
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname, () => socket.write("THIS IS NOT HTTP\r\n\r\n"));
      let data = "";
      socket.on("data", (chunk) => (data += chunk.toString()));
      socket.on("end", () => resolve(data));
      socket.on("error", reject);
    });
    assert.match(reply, /^HTTP\/1\.1 400/);
    assert.match(reply, /"error":"bad_request"/);
  });

  it("survives a few hundred generated bad requests, changes nothing, and still serves good ones", async () => {
    const rand = random(20240611);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
    const garbage = () =>
      pick([
        "%00",
        "%2F",
        "%5C",
        "%3F",
        "%23",
        "%zz",
        "%",
        "..",
        "%E2%80%AE",
        "\u00e9",
        "%7F",
        "a".repeat(400),
        "@x",
        "+",
      ]);
    const generators: (() => BadRequest)[] = [
      () => ({
        label: "start bad json",
        path: `${MGMT}/orchestrators/Hello`,
        init: { method: "POST", headers: json, body: pick(["{", "[1,", "nul", '"open', "{'a':1}"]) },
        expect: [400],
      }),
      () => ({
        label: "start unknown fn",
        path: `${MGMT}/orchestrators/Nope${Math.floor(rand() * 1000)}`,
        init: { method: "POST" },
        expect: [400],
      }),
      () => ({
        label: "start bad id",
        path: `${MGMT}/orchestrators/Hello/x${pick(["%5C", "%3F", "%23", "%00", "%0A", "%zz"])}y`,
        init: { method: "POST" },
        expect: [400],
      }),
      () => ({
        label: "too large",
        path: pick([
          `${MGMT}/orchestrators/Hello`,
          "/api/orchestrators/Hello",
          `${MGMT}/instances/running-1/raiseEvent/E`,
        ]),
        init: {
          method: "POST",
          headers: json,
          body: JSON.stringify("z".repeat(2100 + Math.floor(rand() * 5000))),
        },
        expect: [413],
      }),
      () => ({
        label: "event on finished",
        path: `${MGMT}/instances/finished-1/raiseEvent/${pick(["Approval", "x", "%C3%A9"])}`,
        init: { method: "POST", headers: json, body: "{}" },
        expect: [410],
      }),
      () => ({
        label: "event bad json",
        path: `${MGMT}/instances/running-1/raiseEvent/Approval`,
        init: { method: "POST", headers: json, body: pick(["{", "tru", "[", '"x']) },
        expect: [400],
      }),
      () => ({
        label: "event bad type",
        path: `${MGMT}/instances/running-1/raiseEvent/Approval`,
        init: {
          method: "POST",
          headers: { "content-type": pick(["text/plain", "application/xml", "multipart/form-data"]) },
          body: "{}",
        },
        expect: [400],
      }),
      () => ({
        label: "control finished",
        path: `${MGMT}/instances/finished-1/${pick(["terminate", "suspend", "resume"])}`,
        init: { method: "POST" },
        expect: [410],
      }),
      () => ({
        label: "control unknown",
        path: `${MGMT}/instances/ghost-${Math.floor(rand() * 100)}/${pick(["terminate", "suspend", "resume", "rewind", "raiseEvent/E"])}`,
        init: { method: "POST", headers: json, body: "1" },
        expect: [404],
      }),
      () => {
        const list = rand() < 0.5;
        const names = list
          ? ["top", "createdTimeFrom", "createdTimeTo", "runtimeStatus", "showInput"]
          : ["showHistory", "showInput", "showHistoryOutput", "returnInternalServerErrorOnFailure"];
        const value = pick(["maybe", "-1", "99999", "2024-99-99", "Bogus", "%00", "1.5", ""]);
        return {
          label: "bad query",
          path: `${MGMT}/instances/${list ? "" : "finished-1"}?${pick(names)}=${value || "%20"}`,
          init: { method: "GET" },
          expect: [400],
        };
      },
      () => ({
        label: "wrong method",
        path: pick([
          `${MGMT}/instances/finished-1`,
          `${MGMT}/orchestrators/Hello`,
          `${MGMT}/instances/finished-1/terminate`,
          "/api/echo/x",
          "/api/throws",
        ]),
        init: { method: pick(["PATCH", "OPTIONS"]) },
        expect: [405],
      }),
      () => ({
        label: "unknown route",
        path: `/${pick(["api", "runtime/webhooks/durabletask", "admin", "x"])}/${garbage()}/${garbage()}/${garbage()}/${garbage()}`,
        init: { method: pick(["GET", "POST", "DELETE"]) },
        expect: [400, 404, 405],
      }),
      () => ({
        label: "purge no from",
        path: `${MGMT}/instances/?${pick(["", "createdTimeTo=2024-01-01", "createdTimeFrom=soon", "createdTimeFrom=2999-01-01"])}`,
        init: { method: "DELETE" },
        expect: [400, 404],
      }),
      () => ({
        label: "purge running",
        path: `${MGMT}/instances/running-1`,
        init: { method: "DELETE" },
        expect: [412],
      }),
      () => ({
        label: "garbage id",
        path: `${MGMT}/instances/${garbage()}${garbage()}`,
        init: { method: pick(["GET", "DELETE"]) },
        expect: [400, 404],
      }),
      () => ({
        label: "restart bad",
        path: `${MGMT}/instances/${pick(["ghost", "running-1"])}/restart?restartWithNewInstanceId=${pick(["false", "nope"])}`,
        init: { method: "POST" },
        expect: [400, 409],
      }),
      () => ({
        label: "foreign hub",
        path: `${MGMT}/instances/finished-1?taskHub=${pick(["Other", "x%00"])}`,
        init: { method: "GET" },
        expect: [400],
      }),
    ];
    const before = await snapshot();
    const requests = Array.from({ length: 340 }, () => pick(generators)());
    const failures: string[] = [];
    for (let i = 0; i < requests.length; i += 12) {
      await Promise.all(
        requests.slice(i, i + 12).map(async (bad) => {
          let response: Response;
          try {
            response = await host.fetch(bad.path, bad.init);
          } catch (error) {
            // fetch refuses some URLs itself (that is the client, not the server): skip them
            if (error instanceof TypeError && !String(error.cause ?? "").includes("ECONN")) return;
            throw error;
          }
          const text = await response.text();
          const problem = !bad.expect.includes(response.status)
            ? `status ${response.status}`
            : !/^application\/json/.test(response.headers.get("content-type") ?? "")
              ? "not JSON"
              : /\n\s+at /.test(text)
                ? "stack trace"
                : !(JSON.parse(text) as { error?: unknown }).error
                  ? "no error code"
                  : undefined;
          if (problem)
            failures.push(
              `${bad.label} ${bad.init.method} ${bad.path.slice(0, 120)}: ${problem} ${text.slice(0, 200)}`,
            );
        }),
      );
    }
    assert.deepEqual(failures, []);
    assert.equal(await snapshot(), before, "the hub did not change");
    const good = await host.fetch(`${MGMT}/orchestrators/Hello?timeout=10&pollingInterval=1`, {
      method: "POST",
      headers: json,
      body: '"again"',
    });
    assert.equal(good.status, 200);
    assert.deepEqual(await good.json(), ["Hello again!", "Hello Seattle!"]);
  });
});
