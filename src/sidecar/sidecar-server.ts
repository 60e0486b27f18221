/**
 * The sidecar's gRPC server: `TaskHubSidecarService` over HTTP/2 (`@grpc/grpc-js`), its worker RPCs on the remote
 * work's streams and its client RPCs on a durable client of the same hub.
 * @module
 */
import { Server, ServerCredentials, type UntypedServiceImplementation } from "@grpc/grpc-js";
import { toLogger, type LogSink } from "../core/logger.js";
import { sidecarProtocol } from "./protocol.js";
import type { SidecarRemoteWork } from "./remote-executor.js";
import { workerHandlers } from "./worker-service.js";

/** Options of {@link startSidecar}. */
export interface SidecarOptions {
  /** The remote work the host's worker was started with: the SDK workers' streams. */
  readonly remote: SidecarRemoteWork;
  /** The interface to listen on (default `127.0.0.1`). */
  readonly host?: string | undefined;
  /** The port (0: a free one). */
  readonly port: number;
  /** Where the sidecar logs connections and refusals (default: console). */
  readonly logger?: LogSink | undefined;
  /** The RPC handlers beyond the worker's (the client's, the entities'), by method name. */
  readonly handlers?: UntypedServiceImplementation | undefined;
  /** How long `stop()` lets calls in progress finish before it cuts them, in ms (default 5,000). */
  readonly shutdownTimeoutMs?: number | undefined;
}

/** A listening sidecar. */
export interface RunningSidecar {
  /** The address bound, e.g. `127.0.0.1`. */
  readonly host: string;
  /** The port bound (useful with port 0). */
  readonly port: number;
  /**
   * Stops serving: ends the work-item streams (their pending work is released for other workers), lets calls in
   * progress finish within the shutdown timeout, then cuts the rest. Idempotent.
   */
  stop(): Promise<void>;
}

/** Starts serving `TaskHubSidecarService`. Rejects when the address cannot be bound. */
export async function startSidecar(options: SidecarOptions): Promise<RunningSidecar> {
  const log = toLogger(options.logger ?? console);
  const host = options.host ?? "127.0.0.1";
  const server = new Server({
    // The SDKs send and expect unlimited message sizes (histories can be large).
    "grpc.max_receive_message_length": -1,
    "grpc.max_send_message_length": -1,
  });
  server.addService(sidecarProtocol().service, {
    ...(options.handlers ?? {}),
    ...workerHandlers(options.remote, log),
  } as UntypedServiceImplementation);
  const target =
    host.includes(":") && !host.startsWith("[") ? `[${host}]:${options.port}` : `${host}:${options.port}`;
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(target, ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(new Error(`The sidecar cannot listen on ${target}: ${error.message}`)) : resolve(bound),
    ),
  );
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= new Promise<void>((resolve) => {
      options.remote.close();
      const force = setTimeout(() => server.forceShutdown(), options.shutdownTimeoutMs ?? 5000);
      server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    }));
  return { host, port, stop };
}
