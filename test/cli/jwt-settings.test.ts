/**
 * Bearer-token settings that cannot be misconfigured quietly: with JWT authentication on and no issuer or no audience,
 * `taskhub start` refuses to start, naming what is missing, unless the operator opts out with `--jwt-any-issuer`
 * (`TASKHUB_JWT_ANY_ISSUER`, `jwt.anyIssuer` in the config file); then it starts, says so in its banner, and accepts
 * tokens of any issuer and audience. Real `taskhub` processes and real HTTP.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, describe, it } from "node:test";
import { SignJWT } from "jose";
import { JwtVerifier } from "../../src/http/auth/jwt.js";
import { ConfigError, resolveConfig } from "../../src/host/config.js";
import { listeningUrls, removeTempDirs, spawnCli, tempDir } from "../support/cli-process.js";
import { eventually } from "../support/test-host.js";

const APP = fileURLToPath(new URL("../http/cli-app.ts", import.meta.url));
after(removeTempDirs);

const SECRET = "a-shared-secret-of-at-least-32-bytes!!";
const START = ["start", APP, "--port", "0", "--host", "127.0.0.1", "--hub", ":memory:"];

const sign = (claims: { iss?: string; aud?: string; roles?: string[] }) => {
  const jwt = new SignJWT({ roles: claims.roles ?? [] })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject("someone")
    .setExpirationTime("5m");
  if (claims.iss) jwt.setIssuer(claims.iss);
  if (claims.aud) jwt.setAudience(claims.aud);
  return jwt.sign(new TextEncoder().encode(SECRET));
};

describe("JWT authentication without an issuer or an audience", () => {
  it("taskhub start refuses to start, naming what is missing and the opt-out", async () => {
    const dir = tempDir();
    const cases: [string[], RegExp][] = [
      [[], /without an issuer \(--jwt-issuer .*\) and an audience \(--jwt-audience/],
      [["--jwt-issuer", "https://issuer.example"], /without an audience \(--jwt-audience/],
      [["--jwt-audience", "api://taskhub"], /without an issuer \(--jwt-issuer/],
    ];
    for (const [flags, missing] of cases) {
      const child = spawnCli([...START, ...flags, "--jwt-admin-role", "Taskhub.Admin"], dir, {
        TASKHUB_JWT_SECRET: SECRET,
      });
      try {
        // Exits, or (were the settings accepted) starts listening: either settles this.
        const outcome = await Promise.race([
          child.exited,
          eventually(async () => listeningUrls(child.output()).length > 0, 30_000).then(() => "listening"),
        ]);
        const output = child.output();
        assert.equal(outcome, 1, `${flags.join(" ")}: ${output}`);
        assert.match(output, missing);
        assert.match(output, /TASKHUB_JWT_SECRET/, "names where JWT authentication was turned on");
        assert.match(output, /with the role 'Taskhub\.Admin' would get admin access/);
        assert.match(output, /--jwt-any-issuer \(TASKHUB_JWT_ANY_ISSUER=true, 'jwt\.anyIssuer'/);
        assert.ok(!output.includes(SECRET), "never shows the secret");
      } finally {
        child.process.kill("SIGKILL");
      }
    }
  });

  it("with --jwt-any-issuer it starts, warns, and accepts tokens of any issuer and audience", async () => {
    const dir = tempDir();
    const child = spawnCli([...START, "--jwt-any-issuer", "--jwt-admin-role", "Taskhub.Admin"], dir, {
      TASKHUB_JWT_SECRET: SECRET,
      TASKHUB_LOG_FORMAT: "pretty",
    });
    try {
      const [url] = await eventually(async () => {
        const urls = listeningUrls(child.output());
        return urls.length > 0 ? urls : undefined;
      }, 30_000);
      assert.match(
        child.output(),
        /Warning: bearer tokens are accepted whatever their issuer and audience \(--jwt-any-issuer\)/,
      );
      const bearer = await sign({ iss: "https://anyone.example", aud: "api://something-else", roles: [] });
      const response = await fetch(`${url}/api/echo/me`, { headers: { authorization: `Bearer ${bearer}` } });
      assert.equal(response.status, 200, await response.text());
      child.process.kill("SIGTERM");
      assert.equal(await child.exited, 0, child.output());
    } finally {
      child.process.kill("SIGKILL");
    }
  });

  it("the opt-out can come from the environment or the config file; alone it turns nothing on", () => {
    const dir = tempDir();
    const env = { TASKHUB_JWT_SECRET: SECRET };
    assert.throws(() => resolveConfig({ flags: {}, env, cwd: dir }), ConfigError);
    const fromEnv = resolveConfig({ flags: {}, env: { ...env, TASKHUB_JWT_ANY_ISSUER: "true" }, cwd: dir });
    assert.equal(fromEnv.jwt?.anyIssuer, true);
    writeFileSync(join(dir, "taskhub.config.json"), JSON.stringify({ jwt: { anyIssuer: true } }));
    assert.equal(resolveConfig({ flags: {}, env, cwd: dir }).jwt?.anyIssuer, true);
    assert.equal(resolveConfig({ flags: {}, env: {}, cwd: dir }).jwt, undefined, "no JWT settings, no JWT");
    writeFileSync(join(dir, "taskhub.config.json"), JSON.stringify({ jwt: { anyIssuer: false } }));
    assert.throws(() => resolveConfig({ flags: {}, env, cwd: dir }), /--jwt-any-issuer/);
    const full = resolveConfig({
      flags: { "jwt-issuer": "https://issuer.example", "jwt-audience": "api://taskhub" },
      env,
      cwd: dir,
    });
    assert.deepEqual(
      [full.jwt?.issuer, full.jwt?.audience, full.jwt?.anyIssuer],
      ["https://issuer.example", "api://taskhub", false],
    );
  });

  it("JwtVerifier itself refuses a missing issuer or audience unless anyIssuer is set", async () => {
    assert.throws(() => new JwtVerifier({ secret: SECRET }), /missing: issuer and audience/);
    assert.throws(() => new JwtVerifier({ secret: SECRET, issuer: "me" }), /missing: audience/);
    assert.throws(() => new JwtVerifier({ secret: SECRET, audience: "api", issuer: [] }), /missing: issuer/);
    const strict = new JwtVerifier({ secret: SECRET, issuer: "me", audience: "api" });
    await assert.rejects(strict.verify(await sign({ iss: "me", aud: "other" })), /"aud"/);
    const loose = new JwtVerifier({ secret: SECRET, audience: "api", anyIssuer: true });
    assert.equal((await loose.verify(await sign({ iss: "whoever", aud: "api" }))).subject, "someone");
    await assert.rejects(loose.verify(await sign({ iss: "whoever", aud: "other" })), /"aud"/);
  });
});
