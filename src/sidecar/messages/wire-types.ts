/**
 * The building blocks of the decoded protocol messages: google.protobuf well-known types, the protocol's enums, the
 * oneof helper and the input shape of messages the server sends.
 *
 * Decoded shapes are what `@grpc/proto-loader` yields with `SIDECAR_LOADER_OPTIONS` (`./protocol.ts`): every field
 * present; scalars at their default (`""`, `0`, `false`) when unset; message fields (wrappers and timestamps
 * included) `null` when unset; repeated fields `[]` and maps `{}`; enums as their names; 64-bit integers as numbers;
 * in a oneof, only the member that is set, named by the oneof's virtual field (e.g. `eventType: "taskScheduled"`).
 * @module
 */

/** `google.protobuf.StringValue`: a string whose absence (`null` around it) differs from `""`. */
export interface StringValue {
  readonly value: string;
}

/** `google.protobuf.Int32Value`: a number whose absence differs from 0. */
export interface Int32Value {
  readonly value: number;
}

/** `google.protobuf.BoolValue`: a boolean whose absence differs from `false`. */
export interface BoolValue {
  readonly value: boolean;
}

/** `google.protobuf.Timestamp`: seconds and nanoseconds since the Unix epoch (UTC). */
export interface Timestamp {
  readonly seconds: number;
  readonly nanos: number;
}

/** `google.protobuf.Duration`: a span of seconds and nanoseconds. */
export interface Duration {
  readonly seconds: number;
  readonly nanos: number;
}

/** `google.protobuf.Empty`. */
export type Empty = Record<string, never>;

/** The members of `google.protobuf.Value`'s `kind` oneof. */
export interface ValueOneof {
  readonly nullValue: "NULL_VALUE";
  readonly numberValue: number;
  readonly stringValue: string;
  readonly boolValue: boolean;
  readonly structValue: Struct;
  readonly listValue: ListValue;
}

/** `google.protobuf.Value`: a JSON value (used by the `properties` maps). */
export type Value = OneOf<"kind", ValueOneof>;

/** `google.protobuf.Struct`: a JSON object. */
export interface Struct {
  readonly fields: Readonly<Record<string, Value>>;
}

/** `google.protobuf.ListValue`: a JSON array. */
export interface ListValue {
  readonly values: readonly Value[];
}

/**
 * A decoded oneof: the virtual field `K` names the member of `M` that is set, and only that member is present; when
 * none is set, neither the virtual field nor any member is. Narrow it with `switch (message[K])`.
 */
export type OneOf<K extends string, M> =
  | {
      [P in keyof M]: { readonly [Q in K]: P } & { readonly [Q in P]: M[P] } & {
        readonly [Q in Exclude<keyof M, P>]?: undefined;
      };
    }[keyof M]
  | ({ readonly [Q in K]?: undefined } & { readonly [Q in keyof M]?: undefined });

/**
 * The shape the server may give for a message it sends (proto-loader's serializers take partial objects): every
 * field optional, `null` or absent meaning unset, recursively; in a oneof, set one member (the virtual field is
 * ignored). Enums by name.
 */
export type MessageInput<T> = T extends string | number | boolean
  ? T
  : T extends readonly (infer U)[]
    ? readonly MessageInput<U>[]
    : T extends object
      ? { readonly [P in keyof T]?: MessageInput<T[P]> | null | undefined }
      : T;

/** The protocol's `OrchestrationStatus` enum, by name (the loader decodes enums as strings). */
export type OrchestrationStatus =
  | "ORCHESTRATION_STATUS_RUNNING"
  | "ORCHESTRATION_STATUS_COMPLETED"
  | "ORCHESTRATION_STATUS_CONTINUED_AS_NEW"
  | "ORCHESTRATION_STATUS_FAILED"
  | "ORCHESTRATION_STATUS_CANCELED"
  | "ORCHESTRATION_STATUS_TERMINATED"
  | "ORCHESTRATION_STATUS_PENDING"
  | "ORCHESTRATION_STATUS_SUSPENDED";

/** The protocol's `WorkerCapability` enum, by name (the loader decodes enums as strings). */
export type WorkerCapability =
  | "WORKER_CAPABILITY_UNSPECIFIED"
  | "WORKER_CAPABILITY_HISTORY_STREAMING"
  | "WORKER_CAPABILITY_SCHEDULED_TASKS"
  | "WORKER_CAPABILITY_LARGE_PAYLOADS";
