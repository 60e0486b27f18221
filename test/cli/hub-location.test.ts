/**
 * Hub locations: PostgreSQL URLs, `:memory:`, `file://` URLs and paths are accepted; any other scheme is refused with
 * a message naming where it was set, and no file of that name is created.
 */
import assert from "node:assert/strict";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { after, describe, it } from "node:test";
import { ConfigError, resolveConfig } from "../../src/host/config.js";
import { resolveHubLocation } from "../../src/host/hub-location.js";
import { openTaskHub } from "../../src/host/open-task-hub.js";
import { removeTempDirs, runCli, tempDir } from "../support/cli-process.js";

const APP = fileURLToPath(new URL("../http/cli-app.ts", import.meta.url));
after(removeTempDirs);

describe("hub locations", () => {
  it("accepts postgres:// and postgresql:// URLs, :memory:, file:// URLs and paths", () => {
    const dir = tempDir();
    const hub = (value: string) => resolveConfig({ flags: { hub: value }, env: {}, cwd: dir }).hub;
    assert.equal(hub("postgres://u@db/app"), "postgres://u@db/app");
    assert.equal(hub("PostgreSQL://u@db/app"), "PostgreSQL://u@db/app");
    assert.equal(hub(":memory:"), ":memory:");
    assert.equal(hub("hub.db"), join(dir, "hub.db"));
    assert.equal(hub("./my:hub.db"), join(dir, "my:hub.db"));
    assert.equal(hub(join(dir, "abs.db")), join(dir, "abs.db"));
    assert.equal(hub(pathToFileURL(join(dir, "url hub.db")).href), join(dir, "url hub.db"));
    assert.equal(
      resolveHubLocation("C:\\hubs\\hub.db", "/x"),
      "/x/C:\\hubs\\hub.db",
      "a drive letter is no scheme",
    );
  });

  it("refuses any other scheme, naming the flag, variable or config entry", () => {
    const dir = tempDir();
    const refused = (sources: { flags?: Record<string, string>; env?: NodeJS.ProcessEnv }, origin: RegExp) =>
      assert.throws(
        () => resolveConfig({ flags: sources.flags ?? {}, env: sources.env ?? {}, cwd: dir }),
        (error: Error) =>
          error instanceof ConfigError &&
          origin.test(error.message) &&
          /unsupported scheme/.test(error.message),
      );
    refused({ flags: { hub: "mysql://x" } }, /^--hub: 'mysql:\/\/x' has an unsupported scheme 'mysql:'/);
    refused({ env: { TASKHUB_HUB: "sqlite:hub.db" } }, /^TASKHUB_HUB: .*'sqlite:'/);
    refused({ flags: { hub: "file:hub.db" } }, /'file:'/);
    writeFileSync(join(dir, "taskhub.config.json"), JSON.stringify({ hub: "redis://cache:6379" }));
    refused({}, /^'hub' in .*taskhub\.config\.json: 'redis:\/\/cache:6379'/);
    assert.throws(() => openTaskHub("mysql://x", "taskhub"), /unsupported scheme 'mysql:'/);
    assert.throws(() => resolveHubLocation("file://server/share/hub.db"), /not a local file URL/);
  });

  it("taskhub start and health refuse --hub mysql://x and create no file", () => {
    const dir = tempDir();
    for (const args of [["start", APP, "--port", "0"], ["health"]]) {
      const result = runCli([...args, "--hub", "mysql://x"], dir);
      assert.equal(result.status, 1, result.stderr);
      assert.equal(
        result.stderr,
        "taskhub: --hub: 'mysql://x' has an unsupported scheme 'mysql:'; a task hub is a SQLite file path, " +
          ":memory:, a file:// URL, or a postgres:// or postgresql:// URL.\n",
      );
    }
    assert.deepEqual(readdirSync(dir), []);
  });
});
