/**
 * A local OTLP/HTTP receiver for the benchmark's telemetry mode (`--telemetry`): a child process that accepts
 * `POST /v1/traces` and `POST /v1/metrics`, answers 200 at once and counts requests and bytes per path
 * (`GET /counts`). It decodes nothing: the benchmark measures what exporting costs the worker's process, not a
 * collector. Prints its port on stdout.
 */
import { createServer } from "node:http";

const counts: Record<string, { requests: number; bytes: number }> = {};
const server = createServer((request, response) => {
  const path = request.url ?? "/";
  if (request.method === "GET" && path === "/counts") {
    response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(counts));
    return;
  }
  let bytes = 0;
  request.on("data", (chunk: Buffer) => (bytes += chunk.length));
  request.on("end", () => {
    const entry = (counts[path] ??= { requests: 0, bytes: 0 });
    entry.requests++;
    entry.bytes += bytes;
    response.writeHead(200, { "content-type": "application/x-protobuf" }).end();
  });
});
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  process.stdout.write(`${typeof address === "object" && address ? address.port : 0}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
