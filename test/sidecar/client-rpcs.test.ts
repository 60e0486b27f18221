/**
 * The sidecar's client RPCs on a SQLite file hub, through the real durabletask-js client (the suite is
 * `client-rpcs-suite.ts`; `test/postgres/pg-sidecar-client.test.ts` runs it on PostgreSQL), plus the waits' and the
 * status mapping's own rules.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { status } from "@grpc/grpc-js";
import {
  InstanceNotFoundError,
  InvalidArgumentError,
  TaskHubUnavailableError,
} from "../../src/core/errors.js";
import { toLogger } from "../../src/core/logger.js";
import { grpcFailureOf } from "../../src/sidecar/grpc-errors.js";
import { InstanceWaits } from "../../src/sidecar/instance-waits.js";
import { waitLimitMs } from "../../src/sidecar/client-service.js";
import { terminationReason } from "../../src/sidecar/instance-commands.js";
import { sqliteTaskHub } from "../../src/sql/sqlite/sqlite-task-hub.js";
import { useTestHubBackend } from "../http/http-test-host.js";
import { MemoryLog } from "../support/test-host.js";
import { clientRpcSuite } from "./client-rpcs-suite.js";

const dir = mkdtempSync(join(tmpdir(), "taskhub-sidecar-client-"));
let hubs = 0;
useTestHubBackend({ flags: () => ({ hub: join(dir, `hub-${hubs++}.db`) }) });
after(() => rmSync(dir, { recursive: true, force: true }));

clientRpcSuite("SQLite file");

describe("sidecar client RPC rules", () => {
  it("maps Taskhub's errors to the SDKs' status codes, with no stack trace for the caller", () => {
    const log = new MemoryLog();
    const logger = toLogger(log);
    assert.equal(grpcFailureOf(new InstanceNotFoundError("x"), "M", logger).code, status.NOT_FOUND);
    assert.equal(grpcFailureOf(new InvalidArgumentError("bad"), "M", logger).code, status.INVALID_ARGUMENT);
    const unavailable = grpcFailureOf(new TaskHubUnavailableError("full", "The disk is full."), "M", logger);
    assert.deepEqual(unavailable, { code: status.UNAVAILABLE, details: "The disk is full." });
    const internal = grpcFailureOf(new TypeError("x is undefined"), "GetInstance", logger);
    assert.equal(internal.code, status.INTERNAL);
    assert.doesNotMatch(internal.details, /x is undefined|\bat\b/);
    assert.ok(log.lines.some((line) => line.startsWith("error GetInstance failed: x is undefined")));
  });

  it("turns the protocol's termination output (JSON text) into Taskhub's reason", () => {
    assert.equal(terminationReason(undefined), undefined);
    assert.equal(terminationReason("null"), undefined);
    assert.equal(terminationReason('"stop"'), "stop");
    assert.equal(terminationReason('{"a":1}'), '{"a":1}');
    assert.equal(terminationReason("plain"), "plain");
  });

  it("caps a wait at the call's deadline, and waits on without one", () => {
    assert.equal(waitLimitMs(Number.POSITIVE_INFINITY), Number.POSITIVE_INFINITY);
    const limit = waitLimitMs(new Date(Date.now() + 60_000));
    assert.ok(limit > 50_000 && limit <= 60_000);
    assert.equal(waitLimitMs(Date.now() - 10), 0);
  });

  it("ends start and completion waits when their call is cancelled", async () => {
    const hub = sqliteTaskHub(join(dir, "waits.db"));
    await hub.init();
    try {
      await hub.createInstance({
        event: {
          type: "ExecutionStarted",
          timestamp: new Date().toISOString(),
          name: "Never",
          instanceId: "w1",
          executionId: "e1",
        },
      });
      const waits = new InstanceWaits(hub);
      const aborter = new AbortController();
      const start = waits.start("w1", Number.POSITIVE_INFINITY, aborter.signal);
      const completion = waits.completion("w1", Number.POSITIVE_INFINITY, aborter.signal);
      await new Promise((resolve) => setImmediate(resolve));
      aborter.abort();
      const [a, b] = await Promise.all([start, completion]);
      assert.equal(a.kind, "gave-up");
      assert.equal(b.kind, "gave-up");
      assert.equal(a.kind === "gave-up" && a.cancelled, true);
      assert.equal(waits.startWaits, 0);
      const missing = await waits.start("nobody", 1000, new AbortController().signal);
      assert.equal(missing.kind, "missing");
      const timedOut = await waits.start("w1", 50, new AbortController().signal);
      assert.equal(timedOut.kind === "gave-up" && !timedOut.cancelled, true);
    } finally {
      await hub.close();
    }
  });
});
