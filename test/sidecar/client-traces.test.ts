/**
 * Trace context through the sidecar's `StartInstance`: the SDK's span (`parentTraceContext` of the request) is the
 * parent of the hub's `create_orchestration` span, and so of the orchestration's trace. A real host with gRPC on a
 * SQLite file, spans in an in-memory exporter.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { credentials, type ServiceError } from "@grpc/grpc-js";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import { DurableApp } from "../../src/index.js";
import { sidecarProtocol } from "../../src/sidecar/protocol.js";
import { startTestHost } from "../http/http-test-host.js";
import { useInMemoryTracing } from "../support/in-memory-tracing.js";

const dir = mkdtempSync(join(tmpdir(), "taskhub-sidecar-traces-"));
const exporter = new InMemorySpanExporter();

describe("sidecar StartInstance trace context", () => {
  useInMemoryTracing(exporter);
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("parents the start's span to the SDK's span", async () => {
    const app = new DurableApp();
    app.orchestration("Traced", async () => "done");
    const host = await startTestHost(app, { flags: { "grpc-port": "0", hub: join(dir, "hub.db") } });
    const { Client } = sidecarProtocol();
    const raw = new Client(`127.0.0.1:${host.grpcPort}`, credentials.createInsecure());
    try {
      const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
      const spanId = "00f067aa0ba902b7";
      const error = await new Promise<ServiceError | null>((resolve) =>
        (raw as unknown as Record<string, (r: object, cb: (e: ServiceError | null) => void) => void>)
          .StartInstance!(
          {
            instanceId: "traced-1",
            name: "Traced",
            parentTraceContext: { traceParent: `00-${traceId}-${spanId}-01` },
          },
          resolve,
        ),
      );
      assert.equal(error, null);
      await host.client.waitForCompletion("traced-1", { timeoutMs: 60_000 });
      const create = exporter.getFinishedSpans().find((s) => s.name === "create_orchestration:Traced");
      assert.ok(create, "a create_orchestration span");
      assert.equal(create.spanContext().traceId, traceId);
      assert.equal(create.parentSpanContext?.spanId, spanId);
      const history = await host.durable.taskHub.getHistory("traced-1");
      const start = history.find((e) => e.type === "ExecutionStarted");
      assert.match(
        (start?.type === "ExecutionStarted" && start.parentTraceContext?.traceParent) || "",
        new RegExp(`^00-${traceId}-`),
      );
    } finally {
      raw.close();
      await host.close();
    }
  });
});
