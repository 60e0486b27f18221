/**
 * Keys and bearer tokens over real HTTP: acceptance, rejection (401 vs 403), the management API's key, local-dev
 * mode, and that no key or token reaches the logs.
 */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from "jose";
import { JwtVerifier } from "../../src/http/auth/jwt.js";
import { KeyStore } from "../../src/http/auth/key-store.js";
import { KEYS_ON, makeTestApp, MGMT, startTestHost, type TestHost } from "./http-test-host.js";

describe("keys", () => {
  let host: TestHost;
  let functionKey: string;
  let adminKey: string;
  let store: KeyStore;
  before(async () => {
    host = await startTestHost(makeTestApp().app, {
      flags: KEYS_ON,
      env: { TASKHUB_SYSTEM_KEY: "the-system-key" },
    });
    store = new KeyStore(`${host.dir}/keys.json`);
    functionKey = store.create("default", "function").key;
    adminKey = store.create("admin", "admin").key;
  });
  after(() => host.close());

  const errorOf = async (response: Response) => (await response.json()) as { error: string; message: string };

  it("function triggers accept a function or admin key as ?code= or x-functions-key", async () => {
    assert.equal((await host.fetch(`/api/echo/a?code=${functionKey}`)).status, 200);
    assert.equal(
      (await host.fetch("/api/echo/a", { headers: { "x-functions-key": functionKey } })).status,
      200,
    );
    assert.equal((await host.fetch(`/api/echo/a?code=${adminKey}`)).status, 200);
    assert.equal((await host.fetch("/api/throws")).status, 500, "anonymous triggers need no key");
  });

  it("401 without a key or with a wrong one; 403 when the key is not enough", async () => {
    const none = await host.fetch("/api/echo/a");
    assert.equal(none.status, 401);
    assert.equal((await errorOf(none)).error, "unauthorized");
    const wrong = await host.fetch("/api/echo/a?code=not-a-key");
    assert.equal(wrong.status, 401);
    const wrongBody = await errorOf(wrong);
    assert.doesNotMatch(wrongBody.message, /not-a-key/);
    const adminOnly = await host.fetch(`/api/admin-only?code=${functionKey}`);
    assert.equal(adminOnly.status, 403);
    assert.equal((await errorOf(adminOnly)).error, "forbidden");
    assert.equal((await host.fetch(`/api/admin-only?code=${adminKey}`)).status, 200);
    const systemOnTrigger = await host.fetch("/api/echo/a?code=the-system-key");
    assert.equal(systemOnTrigger.status, 403);
  });

  it("the management API requires the system key or an admin key", async () => {
    assert.equal((await host.fetch(`${MGMT}/instances/`)).status, 401);
    assert.equal((await host.fetch(`${MGMT}/instances/?code=${functionKey}`)).status, 403);
    assert.equal((await host.fetch(`${MGMT}/instances/?code=the-system-key`)).status, 200);
    assert.equal(
      (await host.fetch(`${MGMT}/instances/`, { headers: { "x-functions-key": adminKey } })).status,
      200,
    );
  });

  it("a revoked key stops working on the running host", async () => {
    const { key } = store.create("temporary", "function");
    assert.equal((await host.fetch(`/api/echo/a?code=${key}`)).status, 200);
    assert.equal(store.revoke("temporary"), true);
    assert.equal((await host.fetch(`/api/echo/a?code=${key}`)).status, 401);
  });

  it("keys are stored hashed and never logged", async () => {
    const { readFileSync } = await import("node:fs");
    const file = readFileSync(`${host.dir}/keys.json`, "utf8");
    assert.ok(!file.includes(functionKey) && !file.includes(adminKey));
    assert.match(file, /"hash": "sha256:/);
    const logs = host.log.lines.join("\n");
    for (const secret of [functionKey, adminKey, "the-system-key", "not-a-key"])
      assert.ok(!logs.includes(secret), secret);
  });

  it("local-dev mode requires no key anywhere", async () => {
    const dev = await startTestHost(makeTestApp().app);
    try {
      assert.equal((await dev.fetch("/api/admin-only")).status, 200);
      assert.equal((await dev.fetch(`${MGMT}/instances/`)).status, 200);
    } finally {
      await dev.close();
    }
  });
});

describe("bearer tokens (JWT)", () => {
  let jwks: Server;
  let jwksUrl: string;
  let privateKey: CryptoKey;
  let otherKey: CryptoKey;
  let host: TestHost;
  const issuer = "https://issuer.example";
  const audience = "api://taskhub";

  before(async () => {
    const pair = await generateKeyPair("RS256");
    privateKey = pair.privateKey;
    otherKey = (await generateKeyPair("RS256")).privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "RS256", use: "sig" };
    jwks = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, "127.0.0.1", resolve));
    jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
    host = await startTestHost(makeTestApp().app, {
      flags: {
        ...KEYS_ON,
        "jwt-jwks-url": jwksUrl,
        "jwt-issuer": issuer,
        "jwt-audience": audience,
        "jwt-admin-role": "Taskhub.Admin",
      },
    });
  });
  after(async () => {
    await host.close();
    await new Promise((resolve) => jwks.close(resolve));
  });

  const token = (
    claims: Record<string, unknown> = {},
    options: { key?: CryptoKey; exp?: string | number; nbf?: string | number } = {},
  ) => {
    const jwt = new SignJWT({ roles: [], ...claims })
      .setProtectedHeader({ alg: "RS256", kid: "k1" })
      .setIssuer(String(claims.iss ?? issuer))
      .setAudience(String(claims.aud ?? audience))
      .setSubject("user-42")
      .setIssuedAt()
      .setExpirationTime(options.exp ?? "5m");
    if (options.nbf !== undefined) jwt.setNotBefore(options.nbf);
    return jwt.sign(options.key ?? privateKey);
  };
  const call = async (path: string, bearer: string) =>
    host.fetch(path, { headers: { authorization: `Bearer ${bearer}` } });
  const messageOf = async (response: Response) => ((await response.json()) as { message: string }).message;

  it("accepts a valid token and hands the verified claims to the handler", async () => {
    const response = await call("/api/echo/me", await token());
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { subject: string }).subject, "user-42");
  });

  it("rejects expired, not-yet-valid, wrong-issuer, wrong-audience and badly signed tokens with 401", async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases: [string, Promise<string>, RegExp][] = [
      ["expired", token({}, { exp: now - 3600 }), /expired/],
      ["not yet valid", token({}, { nbf: now + 3600 }), /not valid yet/],
      ["wrong issuer", token({ iss: "https://evil.example" }), /"iss"/],
      ["wrong audience", token({ aud: "api://other" }), /"aud"/],
      ["bad signature", token({}, { key: otherKey }), /signature/],
      ["garbage", Promise.resolve("a.b.c"), /malformed|not valid/],
    ];
    for (const [label, jwt, reason] of cases) {
      const bearer = await jwt;
      const response = await call("/api/echo/me", bearer);
      assert.equal(response.status, 401, label);
      assert.match(response.headers.get("www-authenticate") ?? "", /^Bearer/);
      const message = await messageOf(response);
      assert.match(message, reason, label);
      assert.ok(!message.includes(bearer), label);
    }
  });

  it("a token without the admin role gets 403 on the management API; with it, 200", async () => {
    const user = await call(`${MGMT}/instances/`, await token());
    assert.equal(user.status, 403);
    const admin = await call(`${MGMT}/instances/`, await token({ roles: ["Taskhub.Admin"] }));
    assert.equal(admin.status, 200);
    assert.equal((await call("/api/admin-only", await token({ roles: ["Taskhub.Admin"] }))).status, 200);
  });

  it("never logs tokens", async () => {
    const bearer = await token();
    await call("/api/echo/me", bearer);
    assert.ok(!host.log.lines.join("\n").includes(bearer));
  });
});

describe("JWT verifier with a configured key", () => {
  it("verifies tokens signed with a shared secret or a PEM public key", async () => {
    const secret = "a-shared-secret-of-at-least-32-bytes!!";
    const hs = new JwtVerifier({ secret, issuer: "me", audience: "api" });
    const good = await new SignJWT({ scp: "read Taskhub.Admin" })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer("me")
      .setAudience("api")
      .setExpirationTime("1m")
      .sign(new TextEncoder().encode(secret));
    assert.equal((await hs.verify(good)).claims.iss, "me");
    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer("me")
      .setAudience("api")
      .setExpirationTime("1m")
      .sign(new TextEncoder().encode("another-secret-of-at-least-32-bytes!!"));
    await assert.rejects(hs.verify(forged), (error: { status?: number }) => error.status === 401);
    const noExp = await new SignJWT({})
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer("me")
      .setAudience("api")
      .sign(new TextEncoder().encode(secret));
    await assert.rejects(hs.verify(noExp), /"exp"/);

    const pair = await generateKeyPair("ES256");
    const es = new JwtVerifier({
      publicKey: await exportSPKI(pair.publicKey),
      algorithms: ["ES256"],
      adminRole: "Taskhub.Admin",
      issuer: ["https://a.example", "https://b.example"],
      audience: "api",
    });
    const token = await new SignJWT({ roles: ["Taskhub.Admin"] })
      .setProtectedHeader({ alg: "ES256" })
      .setIssuer("https://b.example")
      .setAudience("api")
      .setSubject("svc")
      .setExpirationTime("1m")
      .sign(pair.privateKey);
    const principal = await es.verify(token);
    assert.equal(principal.subject, "svc");
    assert.equal(principal.isAdmin, true);
    assert.throws(
      () => new JwtVerifier({ secret, jwksUrl: "http://x", issuer: "me", audience: "api" }),
      /exactly one/,
    );
  });
});
