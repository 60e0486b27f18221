/**
 * The entity routes of the management API over real HTTP: read, list (filters, paging, continuation header), signal
 * (JSON or text body), delete, bad input, and the management API's authorization.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DurableApp } from "../../src/index.js";
import { eventually } from "../support/test-host.js";
import { KEYS_ON, MGMT, startTestHost, type TestHost } from "./http-test-host.js";

function entityHttpApp(): DurableApp {
  const app = new DurableApp();
  app.entity("Counter", {
    initialState: () => 0,
    operations: { add: (n, by: number) => n + by, set: (_n, value: number) => value },
  });
  app.entity("Notes", {
    initialState: (): string[] => [],
    operations: { append: (notes, text: string) => [...notes, text] },
  });
  return app;
}

describe("management API: entities", () => {
  let host: TestHost;
  before(async () => {
    host = await startTestHost(entityHttpApp());
  });
  after(() => host.close());

  const json = { "content-type": "application/json" };
  const post = (path: string, body?: string, headers: Record<string, string> = json) =>
    host.fetch(`${MGMT}${path}`, { method: "POST", headers, body });
  const get = (path: string, headers: Record<string, string> = {}) =>
    host.fetch(`${MGMT}${path}`, { headers });

  it("POST /entities/{name}/{key}?op= signals (JSON body): 202; GET returns the state; 404 before it exists", async () => {
    assert.equal((await get("/entities/Counter/c1")).status, 404);
    const signal = await post("/entities/Counter/c1?op=add", "5");
    assert.equal(signal.status, 202);
    assert.equal((await post("/entities/counter/c1?op=add", "2")).status, 202, "names are case-insensitive");
    await eventually(async () => {
      const response = await get("/entities/Counter/c1");
      return response.status === 200 && (await response.json()) === 7;
    });
    const response = await get("/entities/COUNTER/c1");
    assert.equal(response.headers.get("content-type"), "application/json; charset=utf-8");
    assert.equal(await response.text(), "7", "the body is the raw state");
  });

  it("a body that is not JSON is passed as a string; a key of $ is the empty key", async () => {
    assert.equal(
      (await post("/entities/Notes/$?op=append", "hello world", { "content-type": "text/plain" })).status,
      202,
    );
    await eventually(async () => (await host.client.readEntityState("Notes", "")).entityExists);
    assert.deepEqual(await (await get("/entities/Notes/$")).json(), ["hello world"]);
  });

  it("DELETE /entities/{name}/{key} signals the built-in delete: 202, then 404", async () => {
    await post("/entities/Counter/gone?op=set", "1");
    await eventually(async () => (await get("/entities/Counter/gone")).status === 200);
    assert.equal((await host.fetch(`${MGMT}/entities/Counter/gone`, { method: "DELETE" })).status, 202);
    await eventually(async () => (await get("/entities/Counter/gone")).status === 404);
  });

  it("GET /entities/{name?} lists with top, fetchState, time filters and the continuation header", async () => {
    for (let i = 0; i < 5; i++) await post(`/entities/Counter/list-${i}?op=set`, String(i));
    await eventually(
      async () =>
        (await host.client.listEntities({ name: "Counter", keyPrefix: "list-" })).entities.length === 5,
    );
    const all = (await (await get("/entities/")).json()) as { entityId: { name: string; key: string } }[];
    assert.ok(
      all.some((e) => e.entityId.name === "notes"),
      "without a name: every entity",
    );
    const keys: string[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const response = await get(
        `/entities/Counter?top=2&fetchState=true`,
        token ? { "x-ms-continuation-token": token } : {},
      );
      assert.equal(response.status, 200);
      const page = (await response.json()) as {
        entityId: { name: string; key: string };
        lastOperationTime: string;
        state: number;
      }[];
      assert.ok(page.length <= 2);
      for (const e of page) {
        assert.equal(e.entityId.name, "counter");
        assert.match(e.lastOperationTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
        if (e.entityId.key.startsWith("list-")) {
          keys.push(e.entityId.key);
          assert.equal(e.state, Number(e.entityId.key.slice(5)));
        }
      }
      token = response.headers.get("x-ms-continuation-token");
      pages++;
    } while (token);
    assert.ok(pages >= 3);
    assert.deepEqual(keys.sort(), ["list-0", "list-1", "list-2", "list-3", "list-4"]);
    const withoutState = (await (await get("/entities/Counter?top=1")).json()) as Record<string, unknown>[];
    assert.equal("state" in withoutState[0]!, false, "state only with fetchState=true");
    const future = new Date(Date.now() + 3_600_000).toISOString();
    assert.deepEqual(await (await get(`/entities/Counter?lastOperationTimeFrom=${future}`)).json(), []);
    const past = await get(
      `/entities/Counter?lastOperationTimeTo=${new Date(Date.now() + 1000).toISOString()}`,
    );
    assert.ok(((await past.json()) as unknown[]).length >= 5);
  });

  it("bad input: 400 for unknown entities or operations, bad keys, bad JSON, missing op or bad parameters", async () => {
    const expect400 = async (response: Response, pattern: RegExp) => {
      assert.equal(response.status, 400);
      assert.match(((await response.json()) as { message: string }).message, pattern);
    };
    await expect400(await post("/entities/Nope/k?op=add", "1"), /No entity named 'nope' is registered/);
    await expect400(await post("/entities/Counter/k?op=multiply", "1"), /has no operation 'multiply'/);
    await expect400(await post("/entities/Counter/k", "1"), /'op'/);
    await expect400(await post("/entities/Counter/k?op=add", "{not json"), /not valid JSON/);
    await expect400(await post("/entities/Counter/a%3Fb?op=add", "1"), /forbidden character/);
    await expect400(await post("/entities/Co%40unter/k?op=add", "1"), /forbidden character "@"/);
    await expect400(await get("/entities/Counter?top=0"), /top/);
    await expect400(await get("/entities/Counter?fetchState=maybe"), /fetchState/);
    await expect400(await get("/entities/Counter?lastOperationTimeFrom=yesterday"), /lastOperationTimeFrom/);
    assert.equal((await host.fetch(`${MGMT}/entities/Counter/k/extra`)).status, 404);
    assert.equal((await host.fetch(`${MGMT}/entities/Counter`, { method: "POST" })).status, 405);
  });
});

describe("management API: entities need the system key", () => {
  let host: TestHost;
  before(async () => {
    host = await startTestHost(entityHttpApp(), {
      flags: KEYS_ON,
      env: { TASKHUB_SYSTEM_KEY: "the-system-key" },
    });
  });
  after(() => host.close());

  it("401 without the key, accepted with it", async () => {
    assert.equal((await host.fetch(`${MGMT}/entities/Counter/k`)).status, 401);
    assert.equal(
      (await host.fetch(`${MGMT}/entities/Counter/k?op=add`, { method: "POST", body: "1" })).status,
      401,
    );
    assert.equal((await host.fetch(`${MGMT}/entities/Counter/k?code=the-system-key`)).status, 404);
    const signal = await host.fetch(`${MGMT}/entities/Counter/k?op=add&code=the-system-key`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "3",
    });
    assert.equal(signal.status, 202);
    await eventually(async () => (await host.client.readEntityState("Counter", "k")).entityState === 3);
  });
});
