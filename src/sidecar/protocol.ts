/**
 * The Durable Task gRPC protocol, loaded once from `proto/orchestrator_service.proto` with `@grpc/proto-loader`:
 * the `TaskHubSidecarService` service definition a `grpc.Server` serves, and a client constructor for tests.
 *
 * Decoded messages have the shapes of `./messages.ts` (the loader options below decide them: field names as in the
 * proto, enums as their names, 64-bit numbers as numbers, every field present with its default, message fields
 * `null` when absent, oneofs with their virtual field naming the member that is set).
 * @module
 */
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import type { MessageInput, SidecarMethod, SidecarRpcs } from "./messages.js";

/** Absolute path of the protocol's `.proto` file (shipped in the package's `proto/` folder). */
export const SIDECAR_PROTO_PATH: string = fileURLToPath(
  new URL("../../proto/orchestrator_service.proto", import.meta.url),
);

/** The service's name on the wire: methods are `/TaskHubSidecarService/<Method>` (the proto has no package). */
export const SIDECAR_SERVICE_NAME = "TaskHubSidecarService";

/** The `@grpc/proto-loader` options the protocol is loaded with; the types in `./messages.ts` depend on them. */
export const SIDECAR_LOADER_OPTIONS: Readonly<protoLoader.Options> = Object.freeze({
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  arrays: true,
  oneofs: true,
  includeDirs: [dirname(SIDECAR_PROTO_PATH)],
});

/** The loaded protocol: its package definition, the service definition and a client constructor. */
export interface SidecarProtocol {
  /** Every message, enum and service of the proto, as `@grpc/proto-loader` describes them (for reflection). */
  readonly packageDefinition: protoLoader.PackageDefinition;
  /** `TaskHubSidecarService`, for `grpc.Server.addService`; each method has its (de)serializers. */
  readonly service: grpc.ServiceDefinition;
  /** A generic `TaskHubSidecarService` client (`new Client(address, credentials)`), for tests. */
  readonly Client: grpc.ServiceClientConstructor;
}

/**
 * Typed handlers of `TaskHubSidecarService` for `grpc.Server.addService(service, handlers)`: each gets its decoded
 * request and answers (or, for the streaming RPCs, writes) input shapes of its response. Methods left out answer
 * `UNIMPLEMENTED`.
 */
export type SidecarHandlers = {
  readonly [M in SidecarMethod]?: SidecarRpcs[M]["responseStream"] extends true
    ? grpc.handleServerStreamingCall<SidecarRpcs[M]["request"], MessageInput<SidecarRpcs[M]["response"]>>
    : grpc.handleUnaryCall<SidecarRpcs[M]["request"], MessageInput<SidecarRpcs[M]["response"]>>;
};

/** {@link SidecarHandlers} in the untyped form `grpc.Server.addService` takes. */
export function sidecarImplementation(handlers: SidecarHandlers): grpc.UntypedServiceImplementation {
  const implementation: grpc.UntypedServiceImplementation = {};
  for (const [method, handler] of Object.entries(handlers))
    if (handler) implementation[method] = handler as grpc.UntypedHandleCall;
  return implementation;
}

let loaded: SidecarProtocol | undefined;

/** The protocol, loaded from {@link SIDECAR_PROTO_PATH} on the first call and shared afterwards. */
export function sidecarProtocol(): SidecarProtocol {
  if (loaded) return loaded;
  const packageDefinition = protoLoader.loadSync(SIDECAR_PROTO_PATH, { ...SIDECAR_LOADER_OPTIONS });
  const Client = grpc.loadPackageDefinition(packageDefinition)[
    SIDECAR_SERVICE_NAME
  ] as grpc.ServiceClientConstructor;
  loaded = { packageDefinition, service: Client.service, Client };
  return loaded;
}
