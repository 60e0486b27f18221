/**
 * Instance codes over real HTTP, with keys on: the status links an anonymous starter hands out carry a code that
 * opens the management routes of that one instance (status, raise event, suspend, resume, terminate, rewind, restart,
 * purge), and nothing else: not another instance, not the hub-wide routes (list, purge by filter, start, entities),
 * not functions. The system key never appears in a payload; rotating the secret voids the codes; codes survive a
 * host restart (the secret is in the keys file).
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { CheckStatusPayload } from "../../src/index.js";
import { KeyStore } from "../../src/http/auth/key-store.js";
import { runCli } from "../support/cli-process.js";
import { eventually } from "../support/test-host.js";
import { KEYS_ON, makeTestApp, MGMT, pollUntilDone, startTestHost, type TestHost } from "./http-test-host.js";

/** The check-status payload, and `rewindPostUri` of the management payload. */
type Links = CheckStatusPayload & { readonly rewindPostUri?: string };

const codeOf = (uri: string): string => new URL(uri).searchParams.get("code") ?? "";
const fill = (uri: string): string => uri.replace("{eventName}", "Approval").replace("{text}", "test");
const errorOf = async (response: Response) => (await response.json()) as { error: string; message: string };

describe("instance codes in status links", () => {
  let host: TestHost;
  let adminKey: string;
  let healing: { broken: boolean };
  before(async () => {
    const test = makeTestApp();
    healing = test.healing;
    host = await startTestHost(test.app, { flags: KEYS_ON, env: { TASKHUB_SYSTEM_KEY: "the-system-key" } });
    adminKey = new KeyStore(join(host.dir, "keys.json")).create("ops", "admin").key;
  });
  after(() => host.close());

  /** Starts `name` through the app's anonymous starter (no key); returns its check-status links. */
  const startAnonymously = async (name: string): Promise<Links & { text: string }> => {
    const response = await host.fetch(`/api/orchestrators/${name}`, { method: "POST" });
    const text = await response.text();
    assert.equal(response.status, 202, text);
    return { ...(JSON.parse(text) as Links), text };
  };
  const post = (uri: string, body?: unknown) =>
    fetch(fill(uri), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const statusOf = async (links: Links) =>
    ((await (await fetch(links.statusQueryGetUri)).json()) as { runtimeStatus: string }).runtimeStatus;
  const admin = (path: string, init: RequestInit = {}) =>
    host.fetch(path, { ...init, headers: { ...init.headers, "x-functions-key": adminKey } });

  it("an anonymous starter's links carry the instance's own code, never the system key or another key", async () => {
    const links = await startAnonymously("WaitForApproval");
    const code = codeOf(links.statusQueryGetUri);
    assert.match(code, /^inst\.[A-Za-z0-9_-]{43}$/);
    for (const [field, uri] of Object.entries(links))
      if (field.endsWith("Uri")) assert.equal(codeOf(uri), code, field);
    assert.ok(!links.text.includes("the-system-key"), "the system key is not handed out");
    assert.ok(!links.text.includes(adminKey));
    const other = await startAnonymously("WaitForApproval");
    assert.notEqual(codeOf(other.statusQueryGetUri), code, "each instance has its own code");
    // createHttpManagementPayload (the app's own payload) gives the same code, rewindPostUri included.
    const payload = (await (await host.fetch(`/api/payload/${links.id}`)).json()) as Links;
    assert.equal(codeOf(payload.rewindPostUri ?? ""), code);
    assert.equal(codeOf(payload.statusQueryGetUri), code);
  });

  it("the code opens status, suspend, resume, raise event, restart and purge of its instance", async () => {
    const links = await startAnonymously("WaitForApproval");
    assert.equal((await fetch(links.statusQueryGetUri)).status, 202);
    assert.equal((await post(links.suspendPostUri)).status, 202);
    await eventually(async () => (await statusOf(links)) === "Suspended");
    assert.equal((await post(links.resumePostUri)).status, 202);
    await eventually(async () => (await statusOf(links)) === "Running");
    assert.equal((await post(links.sendEventPostUri, { approved: true })).status, 202);
    const done = (await pollUntilDone(links.statusQueryGetUri)) as { runtimeStatus: string; output: unknown };
    assert.deepEqual([done.runtimeStatus, done.output], ["Completed", { approved: true }]);
    // The code works in the x-functions-key header as well.
    const statusUrl = new URL(links.statusQueryGetUri);
    statusUrl.searchParams.delete("code");
    const viaHeader = await fetch(statusUrl, {
      headers: { "x-functions-key": codeOf(links.statusQueryGetUri) },
    });
    assert.equal(viaHeader.status, 200);

    // Restart answers with the new instance's links and its own code, which opens it (and not the old one).
    const restarted = await post(links.restartPostUri);
    assert.equal(restarted.status, 202);
    const next = (await restarted.json()) as Links;
    assert.notEqual(next.id, links.id);
    assert.notEqual(codeOf(next.statusQueryGetUri), codeOf(links.statusQueryGetUri));
    assert.equal((await fetch(next.statusQueryGetUri)).status, 202);
    const crossed = new URL(next.statusQueryGetUri);
    crossed.searchParams.set("code", codeOf(links.statusQueryGetUri));
    assert.equal((await fetch(crossed)).status, 401);

    const purged = await fetch(links.purgeHistoryDeleteUri, { method: "DELETE" });
    assert.equal(purged.status, 200);
    assert.deepEqual(await purged.json(), { instancesDeleted: 1 });
    assert.equal((await fetch(links.statusQueryGetUri)).status, 404);
  });

  it("the code opens terminate and rewind of its instance", async () => {
    const waiting = await startAnonymously("WaitForApproval");
    assert.equal((await post(waiting.terminatePostUri)).status, 202);
    await eventually(async () => (await statusOf(waiting)) === "Terminated");

    healing.broken = true;
    const failing = await startAnonymously("FailOnce");
    await eventually(async () => (await statusOf(failing)) === "Failed");
    healing.broken = false;
    const rewind = fill(failing.statusQueryGetUri.replace("?", "/rewind?reason={text}&"));
    assert.equal((await fetch(rewind, { method: "POST" })).status, 202);
    const done = (await pollUntilDone(failing.statusQueryGetUri)) as { runtimeStatus: string };
    assert.equal(done.runtimeStatus, "Completed");
  });

  it("is refused (401, JSON) on another instance, and when altered", async () => {
    const a = await startAnonymously("WaitForApproval");
    const b = await startAnonymously("WaitForApproval");
    const withCodeOf = (uri: string, code: string) => {
      const url = new URL(fill(uri));
      url.searchParams.set("code", code);
      return url;
    };
    const aCode = codeOf(a.statusQueryGetUri);
    const cases: [string, Promise<Response>][] = [
      ["status of b", fetch(withCodeOf(b.statusQueryGetUri, aCode))],
      ["terminate b", fetch(withCodeOf(b.terminatePostUri, aCode), { method: "POST" })],
      ["purge b", fetch(withCodeOf(b.purgeHistoryDeleteUri, aCode), { method: "DELETE" })],
      [
        "raise an event on b",
        fetch(withCodeOf(b.sendEventPostUri, aCode), {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: "{}",
        }),
      ],
      ["an altered code", fetch(withCodeOf(a.statusQueryGetUri, `${aCode.slice(0, -2)}AA`))],
      ["a code with junk appended", fetch(withCodeOf(a.statusQueryGetUri, `${aCode}x`))],
    ];
    for (const [label, request] of cases) {
      const response = await request;
      assert.equal(response.status, 401, label);
      const body = await errorOf(response);
      assert.equal(body.error, "unauthorized", label);
      assert.match(body.message, /instance code is not valid for instance/, label);
      assert.ok(!body.message.includes(aCode), label);
    }
    assert.equal(await statusOf(b), "Running", "b was not touched");
  });

  it("is refused (403, JSON) on hub-wide routes: list, purge by filter, start, entities; and on functions", async () => {
    const finished = await startAnonymously("Hello");
    await pollUntilDone(finished.statusQueryGetUri);
    const code = encodeURIComponent(codeOf(finished.statusQueryGetUri));
    const hubWide: [string, string, string][] = [
      ["list", "GET", `${MGMT}/instances/?code=${code}`],
      ["purge all", "DELETE", `${MGMT}/instances/?createdTimeFrom=2000-01-01T00:00:00Z&code=${code}`],
      ["start", "POST", `${MGMT}/orchestrators/Hello?code=${code}`],
      ["entities", "GET", `${MGMT}/entities/?code=${code}`],
      ["an entity", "POST", `${MGMT}/entities/Counter/k?op=add&code=${code}`],
    ];
    for (const [label, method, path] of hubWide) {
      const response = await host.fetch(path, { method });
      assert.equal(response.status, 403, label);
      const body = await errorOf(response);
      assert.equal(body.error, "forbidden", label);
      assert.match(body.message, /only the management routes of its own instance/, label);
    }
    assert.equal((await fetch(finished.statusQueryGetUri)).status, 200, "nothing was purged");
    const listed = await admin(`${MGMT}/instances/?instanceIdPrefix=${finished.id}`);
    assert.equal(((await listed.json()) as unknown[]).length, 1);
    for (const path of [`/api/echo/x?code=${code}`, `/api/admin-only?code=${code}`])
      assert.equal((await host.fetch(path)).status, 401, path);
  });

  it("the system key and admin keys still open everything they did", async () => {
    assert.equal((await host.fetch(`${MGMT}/instances/?code=the-system-key`)).status, 200);
    assert.equal((await admin(`${MGMT}/instances/`)).status, 200);
  });
});

describe("instance codes: the secret", () => {
  it("lives in the keys file (0600), survives a restart, and rotating it voids every code", async () => {
    const first = await startTestHost(makeTestApp().app, { flags: { ...KEYS_ON, hub: "hub.db" } });
    const dir = first.dir;
    const keysFile = join(dir, "keys.json");
    let links: Links;
    try {
      const response = await first.fetch("/api/orchestrators/WaitForApproval", { method: "POST" });
      links = (await response.json()) as Links;
    } finally {
      await first.stop();
    }
    const code = codeOf(links.statusQueryGetUri);
    const file = readFileSync(keysFile, "utf8");
    assert.match(file, /"instanceCodeSecret": "[A-Za-z0-9_-]{43}"/);
    assert.ok(!file.includes(code), "no code is stored");
    assert.equal((statSync(keysFile).mode & 0o777).toString(8), "600");

    const second = await startTestHost(makeTestApp().app, { flags: { ...KEYS_ON, hub: "hub.db" }, dir });
    try {
      const moved = (uri: string) => uri.replace(new URL(uri).origin, second.url);
      assert.equal((await fetch(moved(links.statusQueryGetUri))).status, 202, "valid after a restart");
      const rotated = runCli(["keys", "rotate-instance-codes", "--keys-file", keysFile], dir);
      assert.equal(rotated.status, 0, rotated.stderr);
      assert.match(rotated.stderr, /every status link handed out so far stops working/);
      const stale = await fetch(moved(links.statusQueryGetUri));
      assert.equal(stale.status, 401, "void after the rotation, on the running host");
      const fresh = (await (
        await second.fetch("/api/orchestrators/WaitForApproval", { method: "POST" })
      ).json()) as Links;
      assert.notEqual(codeOf(fresh.statusQueryGetUri), code);
      assert.equal((await fetch(fresh.statusQueryGetUri)).status, 202, "new links work");
    } finally {
      await second.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("without a writable keys file, links still carry a code (of this process) and the banner says so", async () => {
    const dir = mkdtempSync(join(tmpdir(), "taskhub-codes-"));
    writeFileSync(join(dir, "not-a-directory"), "");
    const host = await startTestHost(makeTestApp().app, {
      flags: { ...KEYS_ON, "keys-file": join(dir, "not-a-directory", "keys.json") },
    });
    try {
      assert.ok(
        host.log.lines.some((l) => /Warning: the keys file cannot be written \(.*\); status links/.test(l)),
        host.log.lines.join("\n"),
      );
      const links = (await (
        await host.fetch("/api/orchestrators/WaitForApproval", { method: "POST" })
      ).json()) as Links;
      assert.match(codeOf(links.statusQueryGetUri), /^inst\./);
      assert.equal((await fetch(links.statusQueryGetUri)).status, 202);
      assert.equal(
        (await host.fetch(`${MGMT}/instances/?code=${codeOf(links.statusQueryGetUri)}`)).status,
        403,
      );
    } finally {
      await host.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("local-dev links carry no code at all", async () => {
    const dev = await startTestHost(makeTestApp().app);
    try {
      const response = await dev.fetch("/api/orchestrators/Hello", { method: "POST" });
      const links = (await response.json()) as Links;
      assert.equal(new URL(links.statusQueryGetUri).searchParams.has("code"), false);
    } finally {
      await dev.close();
    }
  });
});
