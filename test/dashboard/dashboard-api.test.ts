/**
 * The dashboard served by a real host (real HTTP, a SQLite hub file, keys on): its page and files without
 * credentials, its data routes behind an admin key (401 without), filters, paging with the hub's continuation tokens,
 * counts by status, one failed instance with its failure record and history, entities with state and lock owner;
 * and `taskhub dashboard` serving the same hub alone, without a worker.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { SignJWT } from "jose";
import Database from "better-sqlite3";
import { DurableApp, sqliteTaskHub } from "../../src/index.js";
import { fillInstances } from "../../src/testing/sql-instance-fill.js";
import { KeyStore } from "../../src/http/auth/key-store.js";
import { startTestHost, type TestHost } from "../http/http-test-host.js";
import { removeTempDirs, spawnCli, tempDir } from "../support/cli-process.js";
import { eventually } from "../support/test-host.js";
import { dashboardApp } from "./dashboard-app.js";

type Row = {
  instanceId: string;
  name: string;
  status: string;
  durationMs: number | null;
  customStatus: string;
};

describe("dashboard: served by the host", () => {
  let host: TestHost;
  let key: string;
  const dir = tempDir("taskhub-dashboard-");
  const hubFile = join(dir, "hub.db");
  before(async () => {
    key = new KeyStore(join(dir, "keys.json")).create("ops", "admin").key;
    host = await startTestHost(dashboardApp(), { dir, flags: { hub: hubFile, "local-dev": false } });
    for (let i = 0; i < 5; i++)
      await host.client.startNew("ProcessOrder", {
        instanceId: `order-${i}`,
        input: { id: `o${i}`, amount: i === 4 ? 5000 : 10 * i, items: ["book", "pen"] },
      });
    await host.client.startNew("AwaitApproval", { instanceId: "approval-1", input: { who: "Ada" } });
    await host.client.signalEntity("Counter", "c1", "add", 5);
    for (let i = 0; i < 5; i++) await host.client.waitForCompletion(`order-${i}`, { timeoutMs: 30_000 });
    await eventually(async () => (await host.client.readEntityState("Counter", "c1")).entityExists);
  });
  after(async () => {
    await host.close();
    removeTempDirs();
  });

  const api = (path: string, init: RequestInit = {}, withKey = true) =>
    host.fetch(`/dashboard/api/${path}`, {
      ...init,
      headers: {
        ...(withKey ? { "x-functions-key": key } : {}),
        ...(init.headers as Record<string, string>),
      },
    });

  it("serves the page, its modules and Preact from the package, without credentials; / redirects", async () => {
    const page = await host.fetch("/dashboard/");
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
    const csp = page.headers.get("content-security-policy") ?? "";
    assert.match(csp, /script-src 'self' 'sha256-/);
    const html = await page.text();
    assert.match(html, /<script type="importmap">\{"imports":\{"preact":"\/dashboard\/vendor\/preact.mjs"/);
    assert.doesNotMatch(html, /https?:\/\//, "no CDN");
    for (const path of [
      "assets/app.js",
      "assets/style.css",
      "vendor/preact.mjs",
      "vendor/preact-hooks.mjs",
      "vendor/htm.mjs",
    ]) {
      const response = await host.fetch(`/dashboard/${path}`);
      assert.equal(response.status, 200, path);
      assert.ok((await response.text()).length > 100, path);
    }
    for (const path of [
      "assets/../../package.json",
      "assets/%2e%2e/%2e%2e/package.json",
      "assets/index.html",
      "vendor/x.mjs",
      "nothing",
    ])
      assert.equal((await host.fetch(`/dashboard/${path}`)).status, 404, path);
    const banner = host.log.lines.find((line) => line.includes("Dashboard: "));
    assert.equal(banner?.match(/Dashboard: (.*)/)?.[1], `${host.url}/dashboard/ (sign in with an admin key)`);
    const root = await host.fetch("/", { redirect: "manual" });
    assert.equal(root.status, 302);
    assert.equal(root.headers.get("location"), "/dashboard/");
    assert.equal((await host.fetch("/dashboard/", { method: "POST" })).status, 405);
  });

  it("the data routes need an admin key: 401 without, 401 with a wrong one", async () => {
    const none = await api("instances", {}, false);
    assert.equal(none.status, 401);
    assert.equal(((await none.json()) as { error: string }).error, "unauthorized");
    assert.equal((await api("instances", { headers: { "x-functions-key": "wrong" } }, false)).status, 401);
    assert.equal((await api("instances")).status, 200);
    // Polls are debug lines; refusals stay at info; the key is in no line.
    assert.ok(host.log.lines.some((l) => /^debug GET \/dashboard\/api\/instances 200 /.test(l)));
    assert.ok(host.log.lines.some((l) => /^info GET \/dashboard\/api\/instances 401 /.test(l)));
    assert.ok(!host.log.lines.some((l) => l.includes(key)));
  });

  it("lists instances with filters, counts them by status and pages with the hub's tokens", async () => {
    const all = (await (await api("instances?top=50")).json()) as { instances: Row[] };
    // Each order's PackOrder sub-orchestration is `order-N:000K`.
    assert.deepEqual(
      all.instances
        .filter((r) => r.name !== "PackOrder")
        .map((r) => r.instanceId)
        .sort(),
      ["approval-1", "order-0", "order-1", "order-2", "order-3", "order-4"],
    );
    const failed = (await (await api("instances?status=Failed")).json()) as { instances: Row[] };
    assert.deepEqual(
      failed.instances.map((r) => r.instanceId),
      ["order-4"],
    );
    assert.ok((failed.instances[0]?.durationMs ?? -1) >= 0);
    const byName = (await (await api("instances?name=AwaitApproval")).json()) as { instances: Row[] };
    assert.deepEqual(
      byName.instances.map((r) => [r.instanceId, r.status]),
      [["approval-1", "Running"]],
    );
    const text = (await (await api("instances?customStatus=APPROVAL%20from")).json()) as { instances: Row[] };
    assert.deepEqual(
      text.instances.map((r) => r.instanceId),
      ["approval-1"],
    );
    const prefix = (await (
      await api("instances?prefix=order-&status=Completed&name=ProcessOrder")
    ).json()) as { instances: Row[] };
    assert.equal(prefix.instances.length, 4);
    const future = (await (await api("instances?createdFrom=2999-01-01T00:00:00Z")).json()) as {
      instances: Row[];
    };
    assert.deepEqual(future.instances, []);
    const seen: string[] = [];
    let token: string | null = null;
    do {
      const response = await api(
        "instances?top=2&prefix=order-&name=ProcessOrder",
        token ? { headers: { "x-ms-continuation-token": token } } : {},
      );
      const page = (await response.json()) as { instances: Row[] };
      assert.ok(page.instances.length <= 2);
      seen.push(...page.instances.map((r) => r.instanceId));
      token = response.headers.get("x-ms-continuation-token");
    } while (token);
    assert.deepEqual(seen.sort(), ["order-0", "order-1", "order-2", "order-3", "order-4"]);
    const counts = (await (await api("counts?name=ProcessOrder")).json()) as {
      counts: Record<string, number>;
      capped: string[];
    };
    assert.equal(counts.counts.Completed, 4);
    assert.equal(counts.counts.Failed, 1);
    assert.equal(counts.counts.Running, 0);
    assert.deepEqual(counts.capped, []);
    const everything = (await (await api("counts")).json()) as typeof counts;
    assert.equal(everything.counts.Running, 1);
    assert.equal(everything.counts.Completed, 4 + 5);
    const bad = await api("instances?status=Sleeping");
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { parameter: string }).parameter, "status");
    const badToken = await api("instances", { headers: { "x-ms-continuation-token": "garbage" } });
    assert.equal(badToken.status, 400);
  });

  it("shows one failed instance: failure with stack and cause chain, sub-orchestration, history", async () => {
    const response = await api("instances/order-4");
    assert.equal(response.status, 200);
    const detail = (await response.json()) as {
      status: string;
      failure: {
        errorType: string;
        message: string;
        stack?: string;
        cause?: { errorType: string; message: string };
      };
      subOrchestrations: { instanceId: string; name: string }[];
      history: { type: string; name?: string }[];
      input: { text: string };
    };
    assert.equal(detail.status, "Failed");
    assert.equal(detail.failure.errorType, "TaskFailedError");
    assert.match(detail.failure.stack ?? "", /Error/);
    const chain: string[] = [];
    for (let f: typeof detail.failure | undefined = detail.failure; f; f = f.cause as typeof detail.failure)
      chain.push(`${f.errorType}: ${f.message}`);
    assert.ok(
      chain.some((line) => line === "RangeError: amount 5000 over the limit 1000"),
      chain.join("\n"),
    );
    assert.equal(detail.subOrchestrations[0]?.name, "PackOrder");
    const child = await api(`instances/${encodeURIComponent(detail.subOrchestrations[0]!.instanceId)}`);
    assert.equal(((await child.json()) as { parentInstanceId: string }).parentInstanceId, "order-4");
    assert.ok(detail.history.some((e) => e.type === "TaskFailed"));
    assert.ok(
      detail.history.filter((e) => e.type === "TaskScheduled" && e.name === "ChargeCard").length >= 1,
    );
    assert.equal(JSON.parse(detail.input.text).amount, 5000);
    assert.equal((await api("instances/nope")).status, 404);
  });

  it("lists entities with their state and lock owner", async () => {
    const response = await api("entities?name=Counter");
    const body = (await response.json()) as {
      entities: { name: string; key: string; state: { text: string }; lockedBy: string | null }[];
    };
    assert.deepEqual(
      body.entities.map((e) => [e.name, e.key, e.state.text, e.lockedBy]),
      [["counter", "c1", "5", null]],
    );
    assert.equal((await api("entities?keyPrefix=c")).status, 400);
  });

  it("taskhub dashboard serves the same hub alone, with the same keys, and stops on SIGTERM", async () => {
    const child = spawnCli(
      [
        "dashboard",
        "--hub",
        hubFile,
        "--port",
        "0",
        "--host",
        "127.0.0.1",
        "--keys-file",
        join(dir, "keys.json"),
      ],
      dir,
    );
    try {
      const url = await eventually(
        async () => /Taskhub dashboard: (http:\/\/\S+)\/dashboard\//.exec(child.output())?.[1],
        30_000,
      ).catch((error: unknown) => {
        throw new Error(`${String(error)}\n${child.output()}`);
      });
      assert.match(child.output(), /sign in with an admin key/);
      assert.equal((await fetch(`${url}/dashboard/api/instances`)).status, 401);
      const list = await fetch(`${url}/dashboard/api/instances?status=Failed`, {
        headers: { "x-functions-key": key },
      });
      assert.deepEqual(
        ((await list.json()) as { instances: Row[] }).instances.map((r) => r.instanceId),
        ["order-4"],
      );
      assert.equal((await fetch(`${url}/dashboard/assets/app.js`)).status, 200);
    } finally {
      child.process.kill("SIGTERM");
    }
    assert.equal(await child.exited, 0, child.output());
  });

  it("taskhub dashboard refuses a hub file that does not exist, and creates none", async () => {
    const child = spawnCli(["dashboard", "--hub", join(dir, "missing.db"), "--port", "0"], dir);
    assert.equal(await child.exited, 1);
    assert.match(
      child.output(),
      /taskhub dashboard: cannot open the task hub at .*missing\.db: the file does not exist/,
    );
  });
});

describe("dashboard: bearer tokens", () => {
  const SECRET = "a-shared-secret-of-at-least-32-bytes!!";
  let host: TestHost;
  before(async () => {
    host = await startTestHost(new DurableApp(), {
      flags: {
        "local-dev": false,
        "jwt-issuer": "https://issuer.example",
        "jwt-audience": "api://taskhub",
        "jwt-admin-role": "Taskhub.Admin",
      },
      env: { TASKHUB_JWT_SECRET: SECRET },
    });
  });
  after(() => host.close());
  const token = (roles: string[]) =>
    new SignJWT({ roles })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer("https://issuer.example")
      .setAudience("api://taskhub")
      .setSubject("ops@example.com")
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode(SECRET));

  it("opens the data routes to a token with the admin role only; the banner says so", async () => {
    const get = async (bearer: string) =>
      (await host.fetch("/dashboard/api/instances", { headers: { authorization: `Bearer ${bearer}` } }))
        .status;
    assert.equal(await get(await token(["Taskhub.Admin"])), 200);
    assert.equal(await get(await token(["Reader"])), 403);
    assert.equal(await get("not.a.token"), 401);
    assert.ok(
      host.log.lines.some((line) =>
        line.includes("/dashboard/ (sign in with an admin key or a bearer token with the admin role)"),
      ),
    );
  });

  it("local-dev mode: open, and the banner has no sign-in note", async () => {
    const open = await startTestHost(new DurableApp());
    try {
      assert.equal((await open.fetch("/dashboard/api/counts")).status, 200);
      const banner = open.log.lines.find((line) => line.includes("Dashboard: "));
      assert.equal(banner?.match(/Dashboard: (.*)/)?.[1], `${open.url}/dashboard/`);
    } finally {
      await open.close();
    }
  });
});

describe("dashboard: counts on a hub of more instances than the list cap", () => {
  it("counts every status exactly without a filter, and caps filtered counts", async () => {
    const dir = tempDir("taskhub-dashboard-counts-");
    const hubFile = join(dir, "hub.db");
    const hub = sqliteTaskHub(hubFile);
    await hub.init();
    await fillInstances(hub, 24_000);
    // The truth, read from the file on a connection of this test's own.
    const db = new Database(hubFile, { readonly: true });
    const rows = db
      .prepare(
        `SELECT status, count(*) AS n FROM ${hub.dialect.table("instances")}
         WHERE substr(instance_id, 1, 1) <> '@' GROUP BY status`,
      )
      .all() as { status: string; n: number }[];
    db.close();
    await hub.close();
    const truth = Object.fromEntries(rows.map((r) => [r.status, r.n]));
    assert.ok(truth.Completed! > 10_000, JSON.stringify(truth));
    const host = await startTestHost(dashboardApp(), { dir, flags: { hub: hubFile } });
    try {
      type Counts = { counts: Record<string, number>; capped: string[]; cap: number };
      const all = (await (await host.fetch("/dashboard/api/counts")).json()) as Counts;
      for (const [status, n] of Object.entries(all.counts)) assert.equal(n, truth[status] ?? 0, status);
      assert.deepEqual(all.capped, []);
      const filtered = (await (await host.fetch("/dashboard/api/counts?prefix=order-")).json()) as Counts;
      assert.ok(filtered.counts.Completed! <= filtered.cap);
      assert.equal(typeof filtered.counts.Pending, "number", "every status is present");
    } finally {
      await host.close();
    }
  });
});
