/**
 * The management URLs of an instance, formed as Durable Functions forms them (`GetClientResponseLinks`):
 * `{origin}/runtime/webhooks/durabletask/instances/{id}` with the ID encoded by .NET's `WebUtility.UrlEncode`, the
 * query suffix `taskHub={hub}&connection={connection}[&code={code}]`, and the literal `{eventName}` / `{text}`
 * placeholders. One difference: `code` is the instance's own instance code (which opens that instance's routes
 * only), where Durable Functions puts the system key (which opens the whole management API).
 * @module
 */

/** The management API's base path. */
export const MANAGEMENT_BASE_PATH = "/runtime/webhooks/durabletask";

/** What `createCheckStatusResponse` puts in its body (Durable Functions' check-status payload). */
export interface CheckStatusPayload {
  readonly id: string;
  readonly statusQueryGetUri: string;
  readonly sendEventPostUri: string;
  readonly terminatePostUri: string;
  readonly purgeHistoryDeleteUri: string;
  readonly restartPostUri: string;
  readonly suspendPostUri: string;
  readonly resumePostUri: string;
}

/** Durable Functions' `HttpManagementPayload`: the check-status payload plus `rewindPostUri`. */
export interface HttpManagementPayload extends CheckStatusPayload {
  readonly rewindPostUri: string;
}

/** Where and how the management URLs point. */
export interface ManagementUrlOptions {
  /** `scheme://host[:port]` of the URLs. */
  readonly origin: string;
  /** The task hub's name (`taskHub=`). */
  readonly hubName: string;
  /** The connection name (`connection=`); Durable Functions' default is `Storage`. */
  readonly connectionName: string;
  /** The `code=` of an instance's URLs (its instance code), when keys are on. */
  readonly codeFor?: ((instanceId: string) => string) | undefined;
}

const URL_SAFE = /[A-Za-z0-9\-_.!*()]/;

/**
 * .NET's `WebUtility.UrlEncode`: letters, digits and `-_.!*()` stay, a space becomes `+`, everything else is
 * percent-encoded (UTF-8, upper-case hex).
 */
export function webUtilityUrlEncode(value: string): string {
  let out = "";
  for (const char of value) {
    if (char === " ") out += "+";
    else if (URL_SAFE.test(char)) out += char;
    else
      for (const byte of Buffer.from(char, "utf8"))
        out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** `WebUtility.UrlDecode`: `+` is a space, then percent-decoding. Returns `undefined` for malformed escapes. */
export function webUtilityUrlDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value.replaceAll("+", " "));
  } catch {
    return undefined;
  }
}

/** The `taskHub=...&connection=...[&code=...]` suffix of the management URLs of `instanceId`. */
export function managementQuerySuffix(options: ManagementUrlOptions, instanceId: string): string {
  const suffix =
    `taskHub=${webUtilityUrlEncode(options.hubName)}` +
    `&connection=${webUtilityUrlEncode(options.connectionName)}`;
  const code = options.codeFor?.(instanceId);
  return code ? `${suffix}&code=${encodeURIComponent(code)}` : suffix;
}

/** Builds the management payload of `instanceId`. */
export function buildManagementPayload(
  instanceId: string,
  options: ManagementUrlOptions,
  returnInternalServerErrorOnFailure = false,
): HttpManagementPayload {
  const prefix = `${options.origin.replace(/\/+$/, "")}${MANAGEMENT_BASE_PATH}/instances/${webUtilityUrlEncode(instanceId)}`;
  const query = managementQuerySuffix(options, instanceId);
  return {
    id: instanceId,
    statusQueryGetUri:
      `${prefix}?${query}` +
      (returnInternalServerErrorOnFailure ? "&returnInternalServerErrorOnFailure=true" : ""),
    sendEventPostUri: `${prefix}/raiseEvent/{eventName}?${query}`,
    terminatePostUri: `${prefix}/terminate?reason={text}&${query}`,
    rewindPostUri: `${prefix}/rewind?reason={text}&${query}`,
    purgeHistoryDeleteUri: `${prefix}?${query}`,
    restartPostUri: `${prefix}/restart?${query}`,
    suspendPostUri: `${prefix}/suspend?reason={text}&${query}`,
    resumePostUri: `${prefix}/resume?reason={text}&${query}`,
  };
}

/** The check-status payload: the management payload without `rewindPostUri`, in Durable Functions' field order. */
export function toCheckStatusPayload(payload: HttpManagementPayload): CheckStatusPayload {
  return {
    id: payload.id,
    statusQueryGetUri: payload.statusQueryGetUri,
    sendEventPostUri: payload.sendEventPostUri,
    terminatePostUri: payload.terminatePostUri,
    purgeHistoryDeleteUri: payload.purgeHistoryDeleteUri,
    restartPostUri: payload.restartPostUri,
    suspendPostUri: payload.suspendPostUri,
    resumePostUri: payload.resumePostUri,
  };
}
