// Calls to the host: the dashboard's data routes and the management API, with the credentials of this tab's session
// (kept in sessionStorage, sent as a header, never put in a URL).
const CREDENTIALS = "taskhub.dashboard.credentials";
export const MANAGEMENT = "/runtime/webhooks/durabletask";

/** An answer of the API that was not 2xx: its status and the JSON error's message. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

/** The stored credentials ({ kind: "key" | "token", value }) or null. */
export function credentials() {
  try {
    const text = sessionStorage.getItem(CREDENTIALS);
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

export function saveCredentials(kind, value) {
  sessionStorage.setItem(CREDENTIALS, JSON.stringify({ kind, value }));
}

export function clearCredentials() {
  sessionStorage.removeItem(CREDENTIALS);
}

function authHeaders() {
  const c = credentials();
  if (!c) return {};
  return c.kind === "token" ? { authorization: `Bearer ${c.value}` } : { "x-functions-key": c.value };
}

/** Listeners told when the host answers 401 (the credentials are missing or wrong). */
const unauthorizedListeners = new Set();
export function onUnauthorized(listener) {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

/**
 * Sends a request; resolves with { body, headers, status } (body: parsed JSON, or null), rejects with an ApiError
 * carrying the API's own message.
 */
export async function request(path, { method = "GET", body, headers = {} } = {}) {
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: {
        accept: "application/json",
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...authHeaders(),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      cache: "no-store",
      credentials: "omit",
    });
  } catch (error) {
    throw new ApiError(0, "network", `The host did not answer (${error.message}).`);
  }
  const text = await response.text();
  let parsed = null;
  if (text !== "") {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  if (!response.ok) {
    if (response.status === 401) for (const listener of unauthorizedListeners) listener();
    const message =
      parsed && typeof parsed === "object" && parsed.message
        ? parsed.message
        : `${response.status} ${response.statusText}`;
    throw new ApiError(response.status, parsed?.error ?? "http_error", message);
  }
  return { body: parsed, headers: response.headers, status: response.status };
}

/** A query string of the defined, non-empty values of `params`. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params))
    if (value !== undefined && value !== null && value !== "") search.set(name, String(value));
  const text = search.toString();
  return text ? `?${text}` : "";
}

const id = (instanceId) => encodeURIComponent(instanceId);

/** One page of instances: { instances, continuationToken }. */
export async function listInstances(filters, token) {
  const { body } = await request(`/dashboard/api/instances${query(filters)}`, {
    headers: token ? { "x-ms-continuation-token": token } : {},
  });
  return body;
}

export async function countInstances(filters) {
  return (await request(`/dashboard/api/counts${query(filters)}`)).body;
}

export async function getInstance(instanceId) {
  return (await request(`/dashboard/api/instances/${id(instanceId)}`)).body;
}

export async function listEntities(filters, token) {
  const { body } = await request(`/dashboard/api/entities${query(filters)}`, {
    headers: token ? { "x-ms-continuation-token": token } : {},
  });
  return body;
}

export async function getStats(params) {
  return (await request(`${MANAGEMENT}/stats${query(params)}`)).body;
}

/** The management API's instance actions. */
export const actions = {
  raiseEvent: (instanceId, name, data) =>
    request(`${MANAGEMENT}/instances/${id(instanceId)}/raiseEvent/${encodeURIComponent(name)}`, {
      method: "POST",
      body: data,
    }),
  terminate: (instanceId, reason) =>
    request(`${MANAGEMENT}/instances/${id(instanceId)}/terminate${query({ reason })}`, { method: "POST" }),
  suspend: (instanceId, reason) =>
    request(`${MANAGEMENT}/instances/${id(instanceId)}/suspend${query({ reason })}`, { method: "POST" }),
  resume: (instanceId, reason) =>
    request(`${MANAGEMENT}/instances/${id(instanceId)}/resume${query({ reason })}`, { method: "POST" }),
  rewind: (instanceId, reason) =>
    request(`${MANAGEMENT}/instances/${id(instanceId)}/rewind${query({ reason })}`, { method: "POST" }),
  restart: (instanceId, newId) =>
    request(
      `${MANAGEMENT}/instances/${id(instanceId)}/restart${query({ restartWithNewInstanceId: newId ? "true" : "false" })}`,
      { method: "POST" },
    ),
  purge: (instanceId) => request(`${MANAGEMENT}/instances/${id(instanceId)}`, { method: "DELETE" }),
};
