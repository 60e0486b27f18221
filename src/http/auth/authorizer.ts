/**
 * Authorization of requests: keys (`?code=` or `x-functions-key`), instance codes (the management routes of one
 * instance) and bearer tokens, checked against the level a route requires. 401 means "no valid credentials" (none
 * given, or the given ones are wrong); 403 means "valid credentials, but not enough for this route" (an instance code
 * on a hub-wide route included). Messages never contain the key, code or token.
 * @module
 */
import { HttpError } from "../http-error.js";
import { looksLikeInstanceCode, type InstanceCodes } from "./instance-codes.js";
import type { KeyStore } from "./key-store.js";
import { hashesEqual, hashKey } from "./key-store.js";
import { unauthorized, type JwtVerifier, type Principal } from "./jwt.js";

/** Authorization level of an HTTP trigger, as in Azure Functions. */
export type AuthLevel = "anonymous" | "function" | "admin";

/** What a route requires: a trigger's level, or `system` for the management API (system or admin key). */
export type RequiredLevel = AuthLevel | "system";

/** The authenticated caller of one request. */
export interface Caller {
  /** What the credentials allow (`instance`: the management routes of the request's instance only). */
  readonly level: "none" | "instance" | "function" | "admin" | "system";
  /** The verified JWT caller, when a bearer token was given. */
  readonly principal?: Principal | undefined;
}

/** Authorization settings of a host. */
export interface AuthorizerOptions {
  /** Local development: no key is required anywhere (bearer tokens are still verified when sent). */
  readonly localDev: boolean;
  /** Stored function and admin keys. */
  readonly keys?: KeyStore | undefined;
  /** The system key of the management API (kept in memory only; never handed out in URLs). */
  readonly systemKey?: string | undefined;
  /** The instance codes of the status links this host hands out. */
  readonly instanceCodes?: InstanceCodes | undefined;
  /** Bearer-token validation, when configured. */
  readonly jwt?: JwtVerifier | undefined;
}

/** Checks the credentials of requests. */
export class Authorizer {
  readonly #systemKeyHash: Buffer | undefined;

  constructor(readonly options: AuthorizerOptions) {
    this.#systemKeyHash = options.systemKey ? hashKey(options.systemKey) : undefined;
  }

  /** True when keys are required (not local-dev mode): management URLs then carry `code=`. */
  get keysRequired(): boolean {
    return !this.options.localDev;
  }

  /**
   * Authenticates `request` and checks it against `required`.
   * @param instanceId For a management route of one instance (`required` is `system`): that instance, whose
   *   instance code opens the route too.
   * @throws HttpError 401 without valid credentials, 403 with insufficient ones, 503 when tokens cannot be checked.
   */
  async authorize(request: Request, url: URL, required: RequiredLevel, instanceId?: string): Promise<Caller> {
    const principal = await this.#principal(request);
    if (this.options.localDev || required === "anonymous") return { level: "none", principal };
    const key = presentedKey(request, url);
    let level: Caller["level"] = "none";
    if (key !== undefined) {
      level = this.#keyLevel(key) ?? this.#instanceCodeLevel(key, required, instanceId) ?? "none";
      if (level === "none") throw this.#unauthorized("The function key is not valid.");
    }
    if (principal) level = strongest(level, principal.isAdmin ? "admin" : "function");
    if (level === "none")
      throw this.#unauthorized(
        required === "system"
          ? "The management API requires the system key or an admin key (?code= or x-functions-key header)."
          : `This function requires a key (?code= or x-functions-key header)${this.options.jwt ? " or a bearer token" : ""}.`,
      );
    if (!satisfies(level, required))
      throw new HttpError(
        403,
        "forbidden",
        required === "function"
          ? "The credentials are not allowed to call this function."
          : required === "admin"
            ? "This function requires an admin key."
            : "The management API requires the system key or an admin key.",
      );
    return { level, principal };
  }

  async #principal(request: Request): Promise<Principal | undefined> {
    const header = request.headers.get("authorization");
    // Without host-level JWT settings the header belongs to the app (a handler may check it itself).
    if (header === null || !this.options.jwt) return undefined;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) {
      if (/^Bearer\b/i.test(header))
        throw this.#unauthorized("The Authorization header must be 'Bearer <token>'.");
      return undefined;
    }
    return this.options.jwt.verify(match[1]);
  }

  #keyLevel(key: string): "function" | "admin" | "system" | undefined {
    const hash = hashKey(key);
    const isSystem = this.#systemKeyHash !== undefined && hashesEqual(hash, this.#systemKeyHash);
    const stored = this.options.keys?.verify(key);
    if (stored === "admin") return "admin";
    if (isSystem) return "system";
    return stored;
  }

  /**
   * `instance` when `key` is the instance code of `instanceId` on a management route of that instance, `undefined`
   * when it is no instance code at all.
   * @throws HttpError 403 for an instance code on a hub-wide management route, 401 for one not valid for `instanceId`.
   */
  #instanceCodeLevel(
    key: string,
    required: RequiredLevel,
    instanceId: string | undefined,
  ): "instance" | undefined {
    const codes = this.options.instanceCodes;
    if (!codes || required !== "system" || !looksLikeInstanceCode(key)) return undefined;
    if (instanceId === undefined)
      throw new HttpError(
        403,
        "forbidden",
        "An instance code opens only the management routes of its own instance (status, raise event, terminate, " +
          "suspend, resume, rewind, restart, purge), not hub-wide routes; use an admin key.",
      );
    if (!codes.verify(key, instanceId))
      throw this.#unauthorized(
        `The instance code is not valid for instance '${instanceId}': a code opens only the instance it was ` +
          "issued for, and codes issued before the last rotation are void.",
      );
    return "instance";
  }

  #unauthorized(message: string): HttpError {
    return this.options.jwt ? unauthorized(message) : new HttpError(401, "unauthorized", message);
  }
}

const RANK = { none: 0, instance: 1, function: 2, system: 3, admin: 4 } as const;

function strongest(a: Caller["level"], b: Caller["level"]): Caller["level"] {
  return RANK[a] >= RANK[b] ? a : b;
}

/**
 * Admin keys open everything; the system key opens only the management API; function keys only function triggers;
 * an instance code (checked against the route's instance before) only its instance's management routes.
 */
function satisfies(level: Caller["level"], required: RequiredLevel): boolean {
  switch (required) {
    case "anonymous":
      return true;
    case "function":
      return level === "function" || level === "admin";
    case "admin":
      return level === "admin";
    case "system":
      return level === "system" || level === "admin" || level === "instance";
  }
}

/** The key from `?code=` (any casing of the name) or the `x-functions-key` header. */
export function presentedKey(request: Request, url: URL): string | undefined {
  const header = request.headers.get("x-functions-key");
  if (header) return header.trim();
  for (const [name, value] of url.searchParams)
    if (name.toLowerCase() === "code" && value !== "") return value;
  return undefined;
}
