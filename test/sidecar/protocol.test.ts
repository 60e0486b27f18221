/**
 * The sidecar protocol (proto/orchestrator_service.proto, loaded by src/sidecar/protocol.ts) is wire-compatible with
 * the generated stubs of @microsoft/durabletask-js 0.4.0: the same messages, enums, field numbers, wire types,
 * oneofs and RPCs; and every message (each oneof branch) and every RPC's request and response, filled with
 * non-default values, decodes to the same value on the other side, in both directions.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as grpc from "@grpc/grpc-js";
import protobuf from "protobufjs";
import type { OrchestratorResponse } from "../../src/sidecar/messages.js";
import {
  SIDECAR_SERVICE_NAME,
  sidecarImplementation,
  sidecarProtocol,
  type SidecarHandlers,
} from "../../src/sidecar/protocol.js";
import {
  accessor,
  fromSdk,
  googleClass,
  ourMessages,
  ourRoot,
  sample,
  sdkClass,
  sdkEnumNames,
  sdkMessageNames,
  sdkPb,
  sdkGrpc,
  sdkService,
  toSdk,
  type SdkClass,
  type SdkMessage,
} from "../support/sdk-protocol.js";

/** `N writer type` per field, as the SDK's `serializeBinaryToWriter` writes them. */
function sdkFieldSignatures(cls: SdkClass): string[] {
  const src = cls.serializeBinaryToWriter.toString();
  const last = (name: string | undefined) => name?.split(".").pop() ?? "";
  const out: string[] = [];
  for (const m of src.matchAll(
    /writer\.(write\w+)\(\s*(\d+),\s*f(?:,\s*([\w.]+?)\.serializeBinaryToWriter)?\s*\)/g,
  ))
    out.push(`${m[2]} ${m[1]} ${last(m[3])}`);
  const map =
    /f\.serializeBinary\((\d+), writer, jspb\.BinaryWriter\.prototype\.(write\w+), jspb\.BinaryWriter\.prototype\.(write\w+)(?:, ([\w.]+?)\.serializeBinaryToWriter)?\)/g;
  for (const m of src.matchAll(map)) out.push(`${m[1]} map ${m[2]} ${m[3]} ${last(m[4])}`);
  return out.sort();
}

function scalarWriter(type: string, resolved: protobuf.ReflectionObject | null): string {
  if (resolved instanceof protobuf.Type) return "writeMessage";
  if (resolved instanceof protobuf.Enum) return "writeEnum";
  const writers: Record<string, string> = { string: "writeString", int32: "writeInt32", bool: "writeBool" };
  return writers[type] ?? `unexpected type ${type}`;
}

/** The same signatures for our proto's fields. */
function ourFieldSignatures(type: protobuf.Type): string[] {
  return type.fieldsArray
    .map((f) => {
      const t = f.resolvedType instanceof protobuf.Type ? f.resolvedType.name : "";
      if (f instanceof protobuf.MapField)
        return `${f.id} map ${scalarWriter(f.keyType, null)} ${scalarWriter(f.type, f.resolvedType)} ${t}`;
      if (!f.repeated) return `${f.id} ${scalarWriter(f.type, f.resolvedType)} ${t}`;
      if (f.resolvedType instanceof protobuf.Type) return `${f.id} writeRepeatedMessage ${t}`;
      if (f.resolvedType instanceof protobuf.Enum) return `${f.id} writePackedEnum `;
      return `${f.id} writeRepeatedString `;
    })
    .sort();
}

describe("sidecar protocol: structure against the SDK's generated stubs", () => {
  it("has exactly the SDK's 118 messages and its enums with the same values", () => {
    assert.equal(sdkMessageNames.length, 118);
    assert.deepEqual(ourMessages.map((t) => t.name).sort(), [...sdkMessageNames].sort());
    const ourEnums = ourRoot.nestedArray.filter((t): t is protobuf.Enum => t instanceof protobuf.Enum);
    assert.deepEqual(ourEnums.map((e) => e.name).sort(), [...sdkEnumNames].sort());
    for (const e of ourEnums) assert.deepEqual({ ...e.values }, sdkPb[e.name], e.name);
  });

  it("gives every field of every message the SDK's number, wire type and message type", () => {
    for (const type of ourMessages)
      assert.deepEqual(ourFieldSignatures(type), sdkFieldSignatures(sdkClass(type)), type.name);
  });

  it("names every field and oneof as the SDK's accessors do, and groups the same fields in each oneof", () => {
    for (const type of ourMessages) {
      const proto = (sdkClass(type) as unknown as { prototype: Record<string, unknown> }).prototype;
      for (const f of type.fieldsArray) {
        const suffix = f.map ? "Map" : f.repeated ? "List" : "";
        assert.equal(typeof proto[`get${accessor(f)}${suffix}`], "function", `${type.name}.${f.name}`);
      }
      const groups = type.oneofsArray.map((o) => {
        const stem = o.name[0]!.toUpperCase() + o.name.slice(1).toLowerCase();
        assert.equal(typeof proto[`get${stem}Case`], "function", `${type.name} oneof ${o.name}`);
        return o.fieldsArray.map((f) => f.id).sort((a, b) => a - b);
      });
      assert.deepEqual(groups, sdkClass(type).oneofGroups_ ?? [], `${type.name} oneofs`);
    }
  });

  it("serves the SDK's 29 RPCs at /TaskHubSidecarService/<Method> with the same types and streaming", () => {
    const { service } = sidecarProtocol();
    assert.equal(Object.keys(service).length, 29);
    assert.deepEqual(Object.keys(service).sort(), Object.keys(sdkService).sort());
    const ourService = ourRoot.lookupService(SIDECAR_SERVICE_NAME);
    for (const [name, method] of Object.entries(service)) {
      const sdk = sdkService[name]!;
      assert.equal(method.path, `/${SIDECAR_SERVICE_NAME}/${name}`);
      assert.equal(method.path, sdk.path);
      assert.equal(method.requestStream, sdk.requestStream, name);
      assert.equal(method.responseStream, sdk.responseStream, name);
      const rpc = ourService.methods[name]!;
      assert.equal(sdkClassOf(rpc.requestType), sdk.requestType, name);
      assert.equal(sdkClassOf(rpc.responseType), sdk.responseType, name);
    }
  });
});

function sdkClassOf(typeName: string): SdkClass {
  return sdkClass(ourRoot.lookupType(typeName));
}

/** The samples of a message: one per oneof branch (one sample when it has no oneof). */
function samples(type: protobuf.Type): Record<string, unknown>[] {
  const branches = Math.max(1, ...type.oneofsArray.map((o) => o.fieldsArray.length));
  return Array.from({ length: branches }, (_, b) => sample(type, 0, b));
}

describe("sidecar protocol: values across the wire, both ways", () => {
  const { packageDefinition, service } = sidecarProtocol();

  it("decodes every message the SDK encodes, and the SDK decodes ours, for every oneof branch", () => {
    let checked = 0;
    for (const type of ourMessages) {
      const codec = packageDefinition[type.name] as unknown as protobuf.Type & {
        serialize(value: object): Buffer;
        deserialize(bytes: Buffer): object;
      };
      for (const value of samples(type)) {
        const sdkBytes = toSdk(type, value)["serializeBinary"]!() as Uint8Array;
        assert.deepEqual(codec.deserialize(Buffer.from(sdkBytes)), value, `${type.name} SDK → ours`);
        const ours = codec.serialize(value);
        assert.deepEqual(
          fromSdk(type, sdkClass(type).deserializeBinary(ours)),
          value,
          `${type.name} ours → SDK`,
        );
        checked++;
      }
    }
    assert.ok(checked > 118);
  });

  it("carries every RPC's request and response through both sides' service (de)serializers", () => {
    const ourService = ourRoot.lookupService(SIDECAR_SERVICE_NAME);
    for (const [name, method] of Object.entries(service)) {
      const sdk = sdkService[name]!;
      const rpc = ourService.methods[name]!;
      const sides = [
        ["request", ourRoot.lookupType(rpc.requestType), method.requestSerialize, method.requestDeserialize],
        [
          "response",
          ourRoot.lookupType(rpc.responseType),
          method.responseSerialize,
          method.responseDeserialize,
        ],
      ] as const;
      for (const [side, type, serialize, deserialize] of sides) {
        const sdkSerialize = side === "request" ? sdk.requestSerialize : sdk.responseSerialize;
        const sdkDeserialize = side === "request" ? sdk.requestDeserialize : sdk.responseDeserialize;
        for (const value of samples(type)) {
          const fromSdkBytes = deserialize(sdkSerialize(toSdk(type, value)));
          assert.deepEqual(fromSdkBytes, value, `${name} ${side}: SDK → ours`);
          const inSdk = sdkDeserialize(serialize(value));
          assert.deepEqual(fromSdk(type, inSdk), value, `${name} ${side}: ours → SDK`);
        }
      }
    }
  });

  it("decodes absent fields as the message types say: defaults, null wrappers, empty lists and maps", () => {
    const decoded = service.GetWorkItems!.responseDeserialize(
      service.GetWorkItems!.responseSerialize({ activityRequest: { name: "a" } }),
    );
    assert.deepEqual(decoded, {
      request: "activityRequest",
      completionToken: "",
      activityRequest: {
        name: "a",
        version: null,
        input: null,
        orchestrationInstance: null,
        taskId: 0,
        parentTraceContext: null,
        tags: {},
      },
    });
  });
});

describe("sidecar protocol: over a real gRPC connection", () => {
  it("serves the SDK's generated client: Hello, a GetWorkItems stream and CompleteOrchestratorTask", async () => {
    const { service } = sidecarProtocol();
    const completions: OrchestratorResponse[] = [];
    const handlers: SidecarHandlers = {
      Hello: (_call, callback) => callback(null, {}),
      GetWorkItems: (call) => {
        call.write({
          orchestratorRequest: {
            instanceId: "i-1",
            newEvents: [{ eventId: -1, timestamp: { seconds: 10, nanos: 0 }, orchestratorStarted: {} }],
          },
          completionToken: "token-1",
        });
        call.end();
      },
      CompleteOrchestratorTask: (call, callback) => {
        completions.push(call.request);
        callback(null, {});
      },
    };
    const server = new grpc.Server();
    server.addService(service, sidecarImplementation(handlers));
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) =>
        e ? reject(e) : resolve(p),
      ),
    );
    const Client = sdkGrpc["TaskHubSidecarServiceClient"] as new (
      address: string,
      credentials: grpc.ChannelCredentials,
    ) => grpc.Client & Record<string, (...args: unknown[]) => unknown>;
    const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    try {
      const empty = new (googleClass("Empty"))();
      await new Promise<void>((resolve, reject) =>
        client["hello"]!(empty, (e: unknown) => (e ? reject(e) : resolve())),
      );
      const items: SdkMessage[] = [];
      const stream = client["getWorkItems"]!(
        new (sdkClassOf("GetWorkItemsRequest"))(),
      ) as NodeJS.EventEmitter;
      await new Promise<void>((resolve, reject) => {
        stream.on("data", (item: SdkMessage) => items.push(item));
        stream.on("end", resolve);
        stream.on("error", reject);
      });
      assert.equal(items.length, 1);
      assert.equal(items[0]!["getCompletiontoken"]!(), "token-1");
      const request = items[0]!["getOrchestratorrequest"]!() as SdkMessage;
      assert.equal(request["getInstanceid"]!(), "i-1");
      const response = toSdk(ourRoot.lookupType("OrchestratorResponse"), {
        instanceId: "i-1",
        completionToken: "token-1",
        actions: [
          { id: 1, completeOrchestration: { orchestrationStatus: "ORCHESTRATION_STATUS_COMPLETED" } },
        ],
      });
      await new Promise<void>((resolve, reject) =>
        client["completeOrchestratorTask"]!(response, (e: unknown) => (e ? reject(e) : resolve())),
      );
      assert.equal(completions.length, 1);
      assert.equal(completions[0]!.completionToken, "token-1");
      const action = completions[0]!.actions[0]!;
      assert.equal(action.orchestratorActionType, "completeOrchestration");
      assert.equal(action.completeOrchestration?.orchestrationStatus, "ORCHESTRATION_STATUS_COMPLETED");
    } finally {
      client.close();
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    }
  });
});
