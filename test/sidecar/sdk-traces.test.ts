/**
 * One trace for work the durabletask-js SDK runs through the sidecar: the start's `create_orchestration` span, one
 * `orchestration:<name>` span for the execution however many episodes the SDK ran, and an `activity:<name>` span per
 * attempt, children of the orchestration span; the activity request the SDK gets names the attempt's span as its
 * parent. Spans in an in-memory exporter; a real host with gRPC on a SQLite file.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import {
  TaskHubGrpcWorker,
  type ActivityContext,
  type OrchestrationContext,
} from "@microsoft/durabletask-js";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import { DurableApp } from "../../src/index.js";
import { startTestHost } from "../http/http-test-host.js";
import { useInMemoryTracing } from "../support/in-memory-tracing.js";

const dir = mkdtempSync(join(tmpdir(), "taskhub-sdk-traces-"));
const exporter = new InMemorySpanExporter();
const quiet = { info() {}, debug() {}, warn() {}, error() {} };

describe("traces of SDK-run orchestrations", () => {
  useInMemoryTracing(exporter);
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("ties the start, the orchestration and every activity attempt into one trace", async () => {
    const host = await startTestHost(new DurableApp(), {
      flags: { "grpc-port": "0", hub: join(dir, "hub.db") },
    });
    const step = async (_ctx: ActivityContext, n: number): Promise<number> => n + 1;
    const traced = async function* (ctx: OrchestrationContext, n: number): AsyncGenerator<unknown, number> {
      const a = (yield ctx.callActivity(step, n)) as number;
      return (yield ctx.callActivity(step, a)) as number;
    };
    const worker = new TaskHubGrpcWorker({ hostAddress: `127.0.0.1:${host.grpcPort}`, logger: quiet });
    worker.addOrchestrator(traced);
    worker.addActivity(step);
    await worker.start();
    try {
      const id = await host.client.startNew("traced", { input: 1 });
      const status = await host.client.waitForCompletion(id, { timeoutMs: 60_000 });
      assert.equal(status.runtimeStatus, "Completed");
      assert.equal(status.output, 3);
      // The orchestration span is emitted with the execution's last step; wait for it to reach the exporter.
      const deadline = Date.now() + 30_000;
      // Taskhub's own spans (the SDK worker, in this process too, emits its own under its tracer's name).
      const named = (name: string) =>
        exporter
          .getFinishedSpans()
          .filter((s) => s.name === name && s.instrumentationScope.name === "taskhub");
      while (named("orchestration:traced").length === 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      const [create] = named("create_orchestration:traced");
      const orchestrations = named("orchestration:traced");
      const activities = named("activity:step");
      assert.ok(create, "a create_orchestration span");
      assert.equal(orchestrations.length, 1, "one orchestration span for the execution");
      assert.equal(activities.length, 2, "one span per activity attempt");
      const orchestration = orchestrations[0]!;
      // The SDK's span of each episode names the execution's one orchestration span (OrchestrationTraceContext).
      const sdkEpisodes = exporter
        .getFinishedSpans()
        .filter((s) => s.name === "orchestration:traced" && s.instrumentationScope.name !== "taskhub");
      assert.ok(sdkEpisodes.length >= 3, "the SDK's span of each episode");
      for (const episode of sdkEpisodes) {
        assert.equal(episode.spanContext().traceId, create.spanContext().traceId);
        assert.ok(
          Object.values(episode.attributes).includes(orchestration.spanContext().spanId),
          "names the orchestration span",
        );
      }
      const traceId = create.spanContext().traceId;
      assert.equal(orchestration.spanContext().traceId, traceId);
      assert.equal(orchestration.parentSpanContext?.spanId, create.spanContext().spanId);
      for (const activity of activities) {
        assert.equal(activity.spanContext().traceId, traceId);
        assert.equal(activity.parentSpanContext?.spanId, orchestration.spanContext().spanId);
        assert.equal(activity.attributes["durabletask.task.instance_id"], id);
        // The SDK's span of running the attempt is a child of Taskhub's attempt span (the request's parent).
        const sdkRun = exporter
          .getFinishedSpans()
          .find(
            (s) =>
              s.instrumentationScope.name !== "taskhub" &&
              s.parentSpanContext?.spanId === activity.spanContext().spanId,
          );
        assert.ok(sdkRun, "the SDK's span of the attempt under Taskhub's");
      }
    } finally {
      await worker.stop();
      await host.stop();
    }
  });
});
