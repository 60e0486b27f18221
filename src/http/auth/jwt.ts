/**
 * Bearer-token authentication: a JWT validated against a JWKS URL, a PEM public key or a shared secret, checking
 * signature, issuer, audience, expiry and not-before. Rejections carry a clear reason and never the token.
 * @module
 */
import {
  createRemoteJWKSet,
  importSPKI,
  jwtVerify,
  type CryptoKey,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
} from "jose";
import { InvalidArgumentError } from "../../core/errors.js";
import { HttpError } from "../http-error.js";

/** How bearer tokens are validated. Exactly one of `jwksUrl`, `publicKey` and `secret` must be set. */
export interface JwtOptions {
  /** A JWKS endpoint (keys are fetched and cached; an unknown `kid` triggers a refetch). */
  readonly jwksUrl?: string | undefined;
  /** A PEM (SPKI) public key. */
  readonly publicKey?: string | undefined;
  /** A shared HMAC secret (HS256/384/512). */
  readonly secret?: string | undefined;
  /** Accepted algorithms (default: RS256 for a public key, HS256 for a secret, any asymmetric for a JWKS). */
  readonly algorithms?: readonly string[] | undefined;
  /** Required `iss` (one of). */
  readonly issuer?: string | readonly string[] | undefined;
  /** Required `aud` (one of). */
  readonly audience?: string | readonly string[] | undefined;
  /** Allowed clock skew for `exp` / `nbf` (default 30 s). */
  readonly clockToleranceSeconds?: number | undefined;
  /** A role (in `roles`, `scp` or `scope`) that grants admin level: the management API and admin triggers. */
  readonly adminRole?: string | undefined;
  /**
   * Accept tokens without checking the claim of a missing `issuer` or `audience`. Without it, a verifier with no
   * issuer or no audience is refused (the host does not start; `JwtVerifier`'s constructor throws): it would accept every token the key
   * signs, whoever issued it and for whatever API (one signing key or JWKS often serves many issuers and APIs), and
   * with `adminRole` any such token carrying that role would get admin access. Default false.
   */
  readonly anyIssuer?: boolean | undefined;
}

/** The claims `options` leaves unchecked: `iss` without an issuer, `aud` without an audience. */
export function uncheckedClaims(options: JwtOptions): ("issuer" | "audience")[] {
  const unset = (value: string | readonly string[] | undefined) =>
    value === undefined || [value].flat().filter((v) => v !== "").length === 0;
  return [
    ...(unset(options.issuer) ? (["issuer"] as const) : []),
    ...(unset(options.audience) ? (["audience"] as const) : []),
  ];
}

/** The verified caller, handed to HTTP handlers. */
export interface Principal {
  /** How the caller authenticated. */
  readonly authenticatedBy: "jwt";
  /** The `sub` claim. */
  readonly subject?: string | undefined;
  /** All verified claims. */
  readonly claims: Readonly<JWTPayload>;
  /** True when the token carries the configured admin role. */
  readonly isAdmin: boolean;
}

const REASONS: Readonly<Record<string, string>> = {
  ERR_JWT_EXPIRED: "The bearer token has expired.",
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: "The bearer token's signature is not valid.",
  ERR_JWKS_NO_MATCHING_KEY: "No key of the key set matches the bearer token.",
  ERR_JWKS_MULTIPLE_MATCHING_KEYS: "Several keys of the key set match the bearer token.",
  ERR_JOSE_ALG_NOT_ALLOWED: "The bearer token's algorithm is not allowed.",
  ERR_JWS_INVALID: "The bearer token is malformed.",
  ERR_JWT_INVALID: "The bearer token is malformed.",
  ERR_JOSE_NOT_SUPPORTED: "The bearer token uses an unsupported algorithm.",
};

/** Validates bearer tokens. */
export class JwtVerifier {
  readonly #key: Promise<JWTVerifyGetKey | Uint8Array | CryptoKey>;
  readonly #options: JWTVerifyOptions;
  readonly #adminRole: string | undefined;

  /**
   * @throws InvalidArgumentError without exactly one key source, or without an issuer or an audience (unless
   * `anyIssuer`).
   */
  constructor(options: JwtOptions) {
    const unchecked = uncheckedClaims(options);
    if (unchecked.length > 0 && options.anyIssuer !== true)
      throw new InvalidArgumentError(
        `JWT authentication needs an issuer and an audience to check (missing: ${unchecked.join(" and ")}); ` +
          "without them any token the key signs is accepted, whoever issued it and for whatever API. Set them, or " +
          "set anyIssuer to accept that.",
      );
    const sources = [options.jwksUrl, options.publicKey, options.secret].filter(
      (s) => s !== undefined && s !== "",
    );
    if (sources.length !== 1)
      throw new InvalidArgumentError(
        "JWT authentication needs exactly one of jwksUrl, publicKey and secret.",
      );
    let algorithms = options.algorithms ? [...options.algorithms] : undefined;
    if (options.jwksUrl) {
      let url: URL;
      try {
        url = new URL(options.jwksUrl);
      } catch {
        throw new InvalidArgumentError("jwksUrl must be an absolute http(s) URL.");
      }
      this.#key = Promise.resolve(
        createRemoteJWKSet(url, { timeoutDuration: 5000, cooldownDuration: 30_000 }),
      );
    } else if (options.publicKey) {
      algorithms ??= ["RS256"];
      const alg = algorithms[0] ?? "RS256";
      this.#key = importSPKI(options.publicKey, alg);
      this.#key.catch(() => undefined);
    } else {
      algorithms ??= ["HS256"];
      this.#key = Promise.resolve(new TextEncoder().encode(options.secret));
    }
    this.#options = {
      ...(algorithms ? { algorithms } : {}),
      ...(options.issuer !== undefined ? { issuer: [options.issuer].flat() } : {}),
      ...(options.audience !== undefined ? { audience: [options.audience].flat() } : {}),
      clockTolerance: options.clockToleranceSeconds ?? 30,
      requiredClaims: ["exp"],
    };
    this.#adminRole = options.adminRole;
  }

  /**
   * Verifies `token`.
   * @throws HttpError 401 naming the reason (expired, bad signature, wrong issuer...); 503 when the key set cannot be
   * fetched.
   */
  async verify(token: string): Promise<Principal> {
    let payload: JWTPayload;
    try {
      const key = await this.#key;
      const result =
        typeof key === "function"
          ? await jwtVerify(token, key, this.#options)
          : await jwtVerify(token, key, this.#options);
      payload = result.payload;
    } catch (error) {
      throw this.#rejection(error);
    }
    return {
      authenticatedBy: "jwt",
      subject: payload.sub,
      claims: payload,
      isAdmin: this.#adminRole !== undefined && roles(payload).includes(this.#adminRole),
    };
  }

  #rejection(error: unknown): HttpError {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === "ERR_JWKS_TIMEOUT" || code === "ERR_JWKS_INVALID" || (error instanceof TypeError && !code))
      return new HttpError(
        503,
        "auth_unavailable",
        "Bearer tokens cannot be validated right now (key set unavailable).",
      );
    if (code === "ERR_JWT_CLAIM_VALIDATION_FAILED") {
      const claim = String((error as { claim?: unknown }).claim ?? "");
      const reason =
        claim === "nbf"
          ? "The bearer token is not valid yet (nbf)."
          : `The bearer token's "${claim}" claim is not valid.`;
      return unauthorized(reason);
    }
    return unauthorized(
      (typeof code === "string" ? REASONS[code] : undefined) ?? "The bearer token is not valid.",
    );
  }
}

/** Roles from `roles` (array or string), `scp` and `scope` (space-separated). */
function roles(payload: JWTPayload): string[] {
  const out: string[] = [];
  for (const claim of [payload.roles, payload.scp, payload.scope]) {
    if (Array.isArray(claim)) out.push(...claim.filter((r): r is string => typeof r === "string"));
    else if (typeof claim === "string") out.push(...claim.split(" ").filter(Boolean));
  }
  return out;
}

/** A 401 with `WWW-Authenticate: Bearer`. */
export function unauthorized(message: string): HttpError {
  return new HttpError(401, "unauthorized", message, {
    headers: { "www-authenticate": 'Bearer error="invalid_token"' },
  });
}
