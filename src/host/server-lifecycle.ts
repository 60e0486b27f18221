/**
 * Starting and stopping the HTTP server.
 * @module
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** The server could not listen: the port is in use or not allowed, or the host is not an address of this machine. */
export class ListenError extends Error {
  override readonly name = "ListenError";
}

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
    const onError = (error: NodeJS.ErrnoException): void => reject(listenError(error, host, port));
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      const bound = server.address() as AddressInfo;
      resolve({ server, port: bound.port, address: bound.address });
    });
  });
}

/** A one-line {@link ListenError} for the failures a user can fix (naming the setting), else `error` itself. */
function listenError(error: NodeJS.ErrnoException, host: string, port: number): Error {
  const where = `${host.includes(":") ? `[${host}]` : host}:${port}`;
  switch (error.code) {
    case "EADDRINUSE":
      return new ListenError(
        `Cannot listen on ${where}: port ${port} is already in use; stop the process using it or choose another ` +
          `port with --port (or TASKHUB_PORT).`,
      );
    case "EACCES":
      return new ListenError(
        `Cannot listen on ${where}: not allowed (ports below 1024 need privileges); choose another port with --port.`,
      );
    case "EADDRNOTAVAIL":
      return new ListenError(
        `Cannot listen on ${where}: ${host} is not an address of this machine; check --host.`,
      );
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return new ListenError(
        `Cannot listen on ${where}: host name '${host}' does not resolve; check --host.`,
      );
    default:
      return error;
  }
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
