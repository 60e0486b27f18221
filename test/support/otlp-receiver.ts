/**
 * A small OTLP/HTTP receiver on 127.0.0.1 for tests: accepts `POST /v1/traces` (and `/v1/metrics`), keeps every request (content
 * type and body), and decodes the `http/json` ones into spans.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A span as the receiver decoded it from OTLP/JSON. */
export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly name: string;
  readonly kind: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly attributes: Record<string, unknown>;
  readonly statusCode: number;
  /** The `service.name` of the resource that sent it. */
  readonly service: string | undefined;
}

/** One request received. */
export interface ReceivedRequest {
  /** `/v1/traces` or `/v1/metrics`. */
  readonly path: string;
  readonly contentType: string;
  readonly body: Buffer;
}

/** A running receiver. */
export interface OtlpReceiver {
  /** `http://127.0.0.1:<port>`: the value for `OTEL_EXPORTER_OTLP_ENDPOINT`. */
  readonly endpoint: string;
  readonly requests: ReceivedRequest[];
  /** The spans of the JSON requests so far. */
  spans(): ReceivedSpan[];
  close(): Promise<void>;
}

/** Starts a receiver on an ephemeral port of 127.0.0.1. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const requests: ReceivedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.method !== "POST" || (req.url !== "/v1/traces" && req.url !== "/v1/metrics")) {
        res.writeHead(404).end();
        return;
      }
      requests.push({
        path: req.url,
        contentType: String(req.headers["content-type"] ?? ""),
        body: Buffer.concat(chunks),
      });
      const json = String(req.headers["content-type"] ?? "").includes("json");
      res.writeHead(200, { "content-type": json ? "application/json" : "application/x-protobuf" });
      res.end(json ? "{}" : undefined);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    spans: () =>
      requests
        .filter((r) => r.path === "/v1/traces" && r.contentType.includes("json"))
        .flatMap((r) => decode(r.body)),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // exporters keep their connections alive
      }),
  };
}

interface JsonValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
}
interface JsonAttribute {
  key: string;
  value: JsonValue;
}

function value(v: JsonValue): unknown {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.boolValue !== undefined) return v.boolValue;
  return v.doubleValue;
}

function attributes(list: JsonAttribute[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((a) => [a.key, value(a.value)]));
}

function decode(body: Buffer): ReceivedSpan[] {
  const message = JSON.parse(body.toString("utf8")) as {
    resourceSpans?: {
      resource?: { attributes?: JsonAttribute[] };
      scopeSpans?: {
        spans?: {
          traceId: string;
          spanId: string;
          parentSpanId?: string;
          name: string;
          kind: number;
          startTimeUnixNano: string;
          endTimeUnixNano: string;
          attributes?: JsonAttribute[];
          status?: { code?: number };
        }[];
      }[];
    }[];
  };
  return (message.resourceSpans ?? []).flatMap((rs) => {
    const service = attributes(rs.resource?.attributes)["service.name"] as string | undefined;
    return (rs.scopeSpans ?? []).flatMap((ss) =>
      (ss.spans ?? []).map((s) => ({
        traceId: s.traceId,
        spanId: s.spanId,
        parentSpanId: s.parentSpanId || undefined,
        name: s.name,
        kind: s.kind,
        startMs: Number(BigInt(s.startTimeUnixNano) / 1_000_000n),
        endMs: Number(BigInt(s.endTimeUnixNano) / 1_000_000n),
        attributes: attributes(s.attributes),
        statusCode: s.status?.code ?? 0,
        service,
      })),
    );
  });
}
