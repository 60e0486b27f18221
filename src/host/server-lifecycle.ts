/**
 * Starting and stopping the HTTP server.
 * @module
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** Where a server listens. */
export interface BoundServer {
  readonly server: Server;
  /** The port bound (the one chosen when asked for port 0). */
  readonly port: number;
  /** The address bound, e.g. `127.0.0.1`, `0.0.0.0` or `::`. */
  readonly address: string;
}

/** Listens on `host:port` and resolves with the server and what it bound. Malformed HTTP gets a JSON 400. */
export function listen(host: string, port: number): Promise<BoundServer> {
  const server = createServer();
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable) return void socket.destroy();
    const status = error.code === "HPE_HEADER_OVERFLOW" ? 431 : 400;
    const body = JSON.stringify({ error: "bad_request", message: "The HTTP request is malformed." });
    socket.end(
      `HTTP/1.1 ${status} ${status === 431 ? "Request Header Fields Too Large" : "Bad Request"}\r\n` +
        `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
        `connection: close\r\n\r\n${body}`,
    );
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const bound = server.address() as AddressInfo;
      resolve({ server, port: bound.port, address: bound.address });
    });
  });
}

/**
 * Stops accepting connections, closes idle keep-alive connections, lets in-flight requests finish for up to
 * `timeoutMs`, then cuts what is left.
 */
export async function closeServer(server: Server, timeoutMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const idleSweep = setInterval(() => server.closeIdleConnections(), 100);
  const timer = setTimeout(() => server.closeAllConnections(), timeoutMs);
  try {
    await closed;
  } finally {
    clearInterval(idleSweep);
    clearTimeout(timer);
  }
}
