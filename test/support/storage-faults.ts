/**
 * Storage faults over real HTTP, shared by the SQLite and PostgreSQL tests: a host on a real hub, a fault injected
 * and removed by the caller (a lock held by another connection, a full or read-only database, a server gone), and
 * the checks that every write path (an anonymous HTTP starter, the management API's start, raise event, terminate,
 * an entity signal) answers `503` with `Retry-After` and `{ "error": "storage_unavailable", ... }` while it lasts,
 * that bad input is still a 400, and that the host and its worker carry on once it is gone.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DurableApp, type StorageFault, type TaskHub } from "../../src/index.js";
import { resolveConfig } from "../../src/host/config.js";
import { startHost, type RunningHost } from "../../src/host/host.js";
import { STORAGE_RETRY_AFTER_SECONDS } from "../../src/http/storage-unavailable.js";
import { assertNoDuplicateSteps } from "./pg-processes.js";
import { eventually, MemoryLog } from "./test-host.js";

/** Management API base path. */
export const MGMT = "/runtime/webhooks/durabletask";

/**
 * Payload padding: large enough that a write needs new database pages, so that a database capped at its current
 * size (`PRAGMA max_page_count`) refuses it (a small row may still fit in a page's free space).
 */
export const PAD = "x".repeat(64 * 1024);

/** The app of the fault tests: a two-activity orchestration, one that waits for an event, a counter entity. */
export function faultApp(): DurableApp {
  const app = new DurableApp();
  const echo = app.activity("Echo", async (text: string) => text);
  const steps = app.orchestration("Steps", async (ctx, input: { pad?: string } | undefined) => {
    const a = await ctx.callActivity(echo, input?.pad ?? "");
    const b = await ctx.callActivity(echo, "done");
    return `${a.length}:${b}`;
  });
  // Its timer comes due, and its activity's (large) result is committed, while the fault lasts.
  app.orchestration("Delayed", async (ctx, ms: number) => {
    await ctx.createTimer(ctx.currentUtcDateTime.getTime() + ms);
    return (await ctx.callActivity(echo, PAD)).length;
  });
  app.orchestration("AwaitEvent", async (ctx) => {
    const data = await ctx.waitForExternalEvent<{ pad: string }>("Go");
    return data.pad.length;
  });
  app.entity("Tally", {
    initialState: () => 0,
    operations: { add: (n, value: { pad: string }) => n + value.pad.length },
  });
  app.http("StartSteps", { route: "steps", methods: ["POST"] }, async (request, { client }) => {
    const id = await client.startNew(steps, { input: (await request.json()) as { pad: string } });
    return client.createCheckStatusResponse(request, id);
  });
  return app;
}

/** A host on `taskHub` (local-dev mode: authorization is not what these tests are about). */
export interface FaultHost extends RunningHost {
  readonly log: MemoryLog;
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

/** Starts {@link faultApp} on `taskHub` and an ephemeral port; the hub's location is only for the banner. */
export async function startFaultHost(taskHub: TaskHub, dir: string): Promise<FaultHost> {
  const config = resolveConfig({
    flags: {
      port: "0",
      host: "127.0.0.1",
      hub: ":memory:",
      "keys-file": `${dir}/keys.json`,
      "local-dev": true,
      "shutdown-timeout-ms": "2000",
    },
    env: {},
    cwd: dir,
  });
  const log = new MemoryLog();
  const host = await startHost(faultApp(), config, log, { taskHub });
  return Object.assign(host, {
    log,
    fetch: (path: string, init?: RequestInit) => fetch(new URL(path, host.url), init),
  });
}

/**
 * Runs `run` with a {@link FaultHost} on `taskHub` in a fresh directory; prints the host's log when it fails, stops
 * the host (closing the hub) and removes the directory afterwards.
 */
export async function withFaultHost(
  taskHub: TaskHub,
  run: (host: FaultHost) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "taskhub-faults-"));
  const host = await startFaultHost(taskHub, dir);
  try {
    await run(host);
  } catch (error) {
    process.stderr.write(`${host.log.lines.join("\n")}\n`);
    throw error;
  } finally {
    await host.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const JSON_HEADERS = { "content-type": "application/json" };
const padded = JSON.stringify({ pad: PAD });

/** The JSON body of a 503 storage answer. */
export interface StorageUnavailableBody {
  readonly error: string;
  readonly fault: StorageFault;
  readonly message: string;
}

/**
 * Asserts that `response` is a 503 storage answer (for `fault`, when given): `Retry-After` as the fault says, a JSON
 * body with `error`, `fault` and a message that shows no driver internals. Returns the body.
 */
export async function assertStorageUnavailable(
  response: Response,
  what: string,
  fault?: StorageFault,
): Promise<StorageUnavailableBody> {
  const text = await response.text();
  assert.equal(response.status, 503, `${what}: ${text}`);
  assert.match(response.headers.get("content-type") ?? "", /^application\/json/, what);
  const body = JSON.parse(text) as StorageUnavailableBody;
  assert.equal(body.error, "storage_unavailable", what);
  if (fault !== undefined) assert.equal(body.fault, fault, `${what}: ${text}`);
  assert.equal(response.headers.get("retry-after"), String(STORAGE_RETRY_AFTER_SECONDS[body.fault]), what);
  assert.ok(body.message.length > 0, what);
  assert.doesNotMatch(body.message, /SQLITE_|ECONN|\/tmp|127\.0\.0\.1|internal_error/, what);
  return body;
}

/** Instances started before a fault, to be carried through it. */
export interface BeforeFault {
  /** Waiting for the event `Go` (raised during the fault: refused; after it: accepted). */
  readonly waiting: string;
  /** Waiting too; terminated during the fault (refused), then after it. */
  readonly toTerminate: string;
  /** Timers that come due during the fault: the worker's steps fail until it is gone. */
  readonly delayed: readonly string[];
}

/** Starts the instances of {@link BeforeFault}, with timers of `delayMs`, before the caller injects its fault. */
export async function startBeforeFault(host: FaultHost, delayMs: number): Promise<BeforeFault> {
  const waiting = await host.client.startNew("AwaitEvent");
  const toTerminate = await host.client.startNew("AwaitEvent");
  const delayed: string[] = [];
  for (let i = 0; i < 3; i++) delayed.push(await host.client.startNew("Delayed", { input: delayMs }));
  await eventually(async () => (await host.client.getStatus(waiting))?.runtimeStatus === "Running");
  return { waiting, toTerminate, delayed };
}

/** Options of {@link assertWritesRefused}. */
export interface RefusedOptions {
  /** The fault every answer must name (some faults show as another one first, e.g. a cut connection). */
  readonly fault?: StorageFault;
  /** Also check terminate, whose write is small (a database capped at its size may still take it). */
  readonly smallWrites: boolean;
  /** Reads fail too (a server gone); otherwise a status read must still be served. */
  readonly readsFail: boolean;
}

/** Every write path answers 503 while the fault lasts; bad input is still refused with 400. */
export async function assertWritesRefused(
  host: FaultHost,
  before: BeforeFault,
  options: RefusedOptions,
): Promise<void> {
  const { fault } = options;
  const post = (path: string, body?: string) =>
    host.fetch(path, { method: "POST", headers: JSON_HEADERS, body });
  await assertStorageUnavailable(await post("/api/steps", padded), "anonymous HTTP starter", fault);
  await assertStorageUnavailable(
    await post(`${MGMT}/orchestrators/Steps`, padded),
    "management API start",
    fault,
  );
  await assertStorageUnavailable(
    await post(`${MGMT}/instances/${before.waiting}/raiseEvent/Go`, padded),
    "raise event",
    fault,
  );
  await assertStorageUnavailable(
    await post(`${MGMT}/entities/Tally/t1?op=add`, padded),
    "entity signal",
    fault,
  );
  if (options.smallWrites)
    await assertStorageUnavailable(
      await post(`${MGMT}/instances/${before.toTerminate}/terminate?reason=stop`),
      "terminate",
      fault,
    );
  // The client's own mistakes are still its own: checked before anything is written.
  const badJson = await post(`${MGMT}/orchestrators/Steps`, "{not json");
  assert.equal(badJson.status, 400);
  assert.equal(((await badJson.json()) as { error: string }).error, "invalid_json");
  const unknown = await post(`${MGMT}/orchestrators/NoSuchOrchestration`, padded);
  assert.equal(unknown.status, 400);
  assert.equal(((await unknown.json()) as { error: string }).error, "unknown_function");
  const status = await host.fetch(`${MGMT}/instances/${before.waiting}`);
  if (options.readsFail) await assertStorageUnavailable(status, "status read", fault);
  else {
    assert.equal(status.status, 202, "reads are still served");
    await status.body?.cancel();
  }
}

/** Waits until the host's worker has logged a storage fault (it met the fault, and carried on). */
export async function workerMetFault(host: FaultHost): Promise<void> {
  await eventually(
    async () => host.log.lines.some((l) => /^error Worker .*TaskHubUnavailableError/.test(l)),
    30_000,
  );
}

/** Once the fault is gone: every write path works again and every instance, old and new, completes. */
export async function assertServesAgain(host: FaultHost, before: BeforeFault): Promise<void> {
  const post = (path: string, body?: string) =>
    host.fetch(path, { method: "POST", headers: JSON_HEADERS, body });
  // The first requests may still meet the fault's tail (a pool reconnecting): wait for a start to be accepted.
  const started = await eventually(async () => {
    const response = await post("/api/steps", padded);
    if (response.status === 202) return response;
    await assertStorageUnavailable(response, "a start while the fault clears");
    return undefined;
  }, 30_000);
  const { statusQueryGetUri } = (await started.json()) as { statusQueryGetUri: string };
  assert.equal((await post(`${MGMT}/instances/${before.waiting}/raiseEvent/Go`, padded)).status, 202);
  const terminate = await post(`${MGMT}/instances/${before.toTerminate}/terminate?reason=stop`);
  assert.equal(terminate.status, 202, await terminate.text());
  assert.equal((await post(`${MGMT}/entities/Tally/t1?op=add`, padded)).status, 202);
  const viaManagement = await post(`${MGMT}/orchestrators/Steps`, padded);
  assert.equal(viaManagement.status, 202);
  const { id: managed } = (await viaManagement.json()) as { id: string };

  const done = await eventually(async () => {
    const response = await fetch(statusQueryGetUri);
    const body = (await response.json()) as { runtimeStatus: string; output: unknown };
    return response.status === 200 ? body : undefined;
  }, 30_000);
  assert.deepEqual([done.runtimeStatus, done.output], ["Completed", `${PAD.length}:done`]);
  const { client } = host;
  const wait = (id: string) => client.waitForCompletion(id, { timeoutMs: 30_000 });
  assert.deepEqual(
    [(await wait(before.waiting)).output, (await wait(before.toTerminate)).runtimeStatus],
    [PAD.length, "Terminated"],
  );
  assert.equal((await wait(managed)).runtimeStatus, "Completed");
  for (const id of before.delayed) {
    const status = await wait(id);
    assert.deepEqual([status.runtimeStatus, status.output], ["Completed", PAD.length], id);
    assertNoDuplicateSteps(id, (await client.getStatus(id, { showHistory: true }))?.history ?? []);
  }
  await eventually(async () => (await client.readEntityState("Tally", "t1")).entityState === PAD.length);
}
