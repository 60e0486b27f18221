/**
 * A bridge between Taskhub's sidecar protocol (`proto/orchestrator_service.proto`, read with protobufjs reflection)
 * and the generated google-protobuf classes of `@microsoft/durabletask-js` 0.4.0, for wire-compatibility tests:
 * build an SDK message from a decoded-shape object, read one back, and make sample values for any message.
 */
import { createRequire } from "node:module";
import protobuf from "protobufjs";
import { SIDECAR_PROTO_PATH } from "../../src/sidecar/protocol.js";

const require = createRequire(import.meta.url);
const SDK_PB = require.resolve("@microsoft/durabletask-js/dist/proto/orchestrator_service_pb.js");
const sdkRequire = createRequire(SDK_PB);

/** A generated SDK message instance (google-protobuf `jspb.Message`), reached through its accessors by name. */
export type SdkMessage = Record<string, (...args: unknown[]) => unknown>;
/** A generated SDK message class. */
export interface SdkClass {
  new (): SdkMessage;
  deserializeBinary(bytes: Uint8Array): SdkMessage;
  serializeBinaryToWriter: (...args: unknown[]) => void;
  oneofGroups_?: number[][];
}

/** The SDK's `orchestrator_service_pb` exports: message classes and enums by name. */
export const sdkPb = require(SDK_PB) as Record<string, unknown>;
/** The SDK's `orchestrator_service_grpc_pb` exports (the `TaskHubSidecarServiceService` definition). */
export const sdkGrpc =
  require("@microsoft/durabletask-js/dist/proto/orchestrator_service_grpc_pb.js") as Record<string, unknown>;

const googlePb: Record<string, unknown> = Object.assign(
  {},
  ...["wrappers", "timestamp", "duration", "empty", "struct"].map((f) =>
    sdkRequire(`google-protobuf/google/protobuf/${f}_pb.js`),
  ),
);

/** A google.protobuf well-known class as the SDK uses it (`Empty`, `StringValue`, `Timestamp`, ...). */
export function googleClass(name: string): SdkClass {
  const cls = googlePb[name] as SdkClass | undefined;
  if (!cls) throw new Error(`No google.protobuf class ${name}`);
  return cls;
}

/** Our proto, read by protobufjs (the same definitions `@grpc/proto-loader` builds its codecs from). */
export const ourRoot: protobuf.Root = protobuf.loadSync(SIDECAR_PROTO_PATH);
ourRoot.resolveAll();

/** The top-level message types of our proto. */
export const ourMessages: readonly protobuf.Type[] = ourRoot.nestedArray.filter(
  (t): t is protobuf.Type => t instanceof protobuf.Type,
);

/** The SDK class of a message type (ours or a google.protobuf well-known type). */
export function sdkClass(type: protobuf.Type): SdkClass {
  const full = type.fullName.slice(1);
  const cls = (full.startsWith("google.protobuf.") ? googlePb[type.name] : sdkPb[full]) as
    SdkClass | undefined;
  if (!cls) throw new Error(`The SDK has no class for ${full}`);
  return cls;
}

/**
 * The SDK's accessor stem of a field: `orchestrationInstance` → `Orchestrationinstance` (the protocol's camelCase
 * names lose their inner capitals); google.protobuf types' snake_case `string_value` (`stringValue` in protobufjs)
 * → `StringValue`.
 */
export function accessor(field: protobuf.Field): string {
  const rest = field.name.slice(1);
  const google = field.parent?.fullName.startsWith(".google.protobuf.") === true;
  return field.name[0]!.toUpperCase() + (google ? rest : rest.toLowerCase());
}

/** The names of the SDK's own message classes (its exports also hold the google.protobuf classes it uses). */
export const sdkMessageNames: readonly string[] = Object.keys(sdkPb).filter(
  (k) =>
    typeof sdkPb[k] === "function" &&
    typeof (sdkPb[k] as Partial<SdkClass>).serializeBinaryToWriter === "function" &&
    googlePb[k] !== sdkPb[k],
);

/** The names of the SDK's own enums. */
export const sdkEnumNames: readonly string[] = Object.keys(sdkPb).filter(
  (k) =>
    typeof sdkPb[k] === "object" &&
    sdkPb[k] !== null &&
    googlePb[k] !== sdkPb[k] &&
    Object.values(sdkPb[k]).every((v) => typeof v === "number"),
);

/** The SDK's `TaskHubSidecarService` methods by RPC name (its definition keys them in lowerCamelCase). */
export const sdkService: Readonly<Record<string, SdkMethod>> = Object.fromEntries(
  Object.values(
    (sdkGrpc["TaskHubSidecarServiceClient"] as { service: Record<string, SdkMethod> }).service,
  ).map((m) => [m.path.split("/").pop()!, m]),
);

/** One method of {@link sdkService}. */
export interface SdkMethod {
  readonly path: string;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
  readonly requestType: SdkClass;
  readonly responseType: SdkClass;
  requestSerialize(value: SdkMessage): Buffer;
  requestDeserialize(bytes: Buffer): SdkMessage;
  responseSerialize(value: SdkMessage): Buffer;
  responseDeserialize(bytes: Buffer): SdkMessage;
}

function toSdkValue(field: protobuf.Field, value: unknown): unknown {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Type) return toSdk(rt, value as Record<string, unknown>);
  if (rt instanceof protobuf.Enum) return rt.values[value as string];
  return value;
}

/** Builds the SDK message of a decoded-shape object (`null`/absent fields left unset). */
export function toSdk(type: protobuf.Type, plain: Record<string, unknown>): SdkMessage {
  const message = new (sdkClass(type))();
  for (const field of type.fieldsArray) {
    const value = plain[field.name];
    if (value === undefined || value === null) continue;
    const name = accessor(field);
    if (field.map) {
      const map = message[`get${name}Map`]!() as { set(k: string, v: unknown): void };
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) map.set(k, toSdkValue(field, v));
    } else if (field.repeated) {
      message[`set${name}List`]!((value as unknown[]).map((v) => toSdkValue(field, v)));
    } else {
      message[`set${name}`]!(toSdkValue(field, value));
    }
  }
  return message;
}

function fromSdkValue(field: protobuf.Field, value: unknown): unknown {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Type) return fromSdk(rt, value as SdkMessage);
  if (rt instanceof protobuf.Enum) return rt.valuesById[value as number];
  return value;
}

/** Reads an SDK message into the decoded shape `@grpc/proto-loader` yields with the sidecar's loader options. */
export function fromSdk(type: protobuf.Type, message: SdkMessage): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    const name = accessor(field);
    if (field.map) {
      const entries: Record<string, unknown> = {};
      (message[`get${name}Map`]!() as { forEach(f: (v: unknown, k: string) => void): void }).forEach(
        (v, k) => {
          entries[k] = fromSdkValue(field, v);
        },
      );
      out[field.name] = entries;
    } else if (field.repeated) {
      out[field.name] = (message[`get${name}List`]!() as unknown[]).map((v) => fromSdkValue(field, v));
    } else if (field.partOf) {
      if (message[`has${name}`]!()) {
        out[field.name] = fromSdkValue(field, message[`get${name}`]!());
        out[field.partOf.name] = field.name;
      }
    } else if (field.resolvedType instanceof protobuf.Type) {
      out[field.name] = message[`has${name}`]!() ? fromSdkValue(field, message[`get${name}`]!()) : null;
    } else {
      out[field.name] = fromSdkValue(field, message[`get${name}`]!());
    }
  }
  return out;
}

const MAX_DEPTH = 3;

function sampleValue(field: protobuf.Field, depth: number, seed: number): unknown {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Type) return sample(rt, depth + 1, seed);
  if (rt instanceof protobuf.Enum) {
    const ids = Object.keys(rt.valuesById).map(Number);
    return rt.valuesById[ids[(seed % (ids.length - 1)) + 1]!]!; // never the zero value
  }
  switch (field.type) {
    case "string":
      return `${field.name}-${seed}`;
    case "int32":
    case "int64":
      return field.id * 100 + seed + 1;
    case "bool":
      return true;
    default:
      throw new Error(`No sample for field type ${field.type}`);
  }
}

/**
 * A decoded-shape sample of a message with every field set to a non-default value (message fields below a small
 * depth `null`, repeated ones empty there); in each oneof, member `branch` (modulo the member count) is set.
 */
export function sample(type: protobuf.Type, depth = 0, branch = 0): Record<string, unknown> {
  if (type.fullName === ".google.protobuf.Value")
    return { kind: "stringValue", stringValue: `value-${branch}` };
  const out: Record<string, unknown> = {};
  for (const oneof of type.oneofsArray) {
    const member = oneof.fieldsArray[branch % oneof.fieldsArray.length]!;
    out[oneof.name] = member.name;
    out[member.name] = sampleValue(member, depth, branch + depth);
  }
  for (const field of type.fieldsArray) {
    if (field.partOf) continue;
    const deep = depth >= MAX_DEPTH && field.resolvedType instanceof protobuf.Type;
    const one = (i: number) => sampleValue(field, depth, branch + depth + i);
    if (field.map) out[field.name] = deep ? {} : { a: one(0), b: one(1) };
    else if (field.repeated) out[field.name] = deep ? [] : [one(0), one(1)];
    else out[field.name] = deep ? null : one(0);
  }
  return out;
}
