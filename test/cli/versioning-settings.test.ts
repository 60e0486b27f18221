/**
 * The versioning settings of the host: `--default-version` / `TASKHUB_DEFAULT_VERSION`, and the worker's versioning
 * from flags, environment variables or `versioning.*` in the config file, with bad strategies refused by name.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { ConfigError, resolveConfig } from "../../src/host/config.js";
import { parseCommandLine } from "../../src/cli/command-line.js";
import { removeTempDirs, tempDir } from "../support/cli-process.js";

after(removeTempDirs);

const resolve = (flags: Record<string, string> = {}, env: NodeJS.ProcessEnv = {}, file?: unknown) => {
  const dir = tempDir();
  if (file !== undefined) writeFileSync(join(dir, "taskhub.config.json"), JSON.stringify(file));
  return resolveConfig({ flags, env, cwd: dir });
};

describe("versioning settings", () => {
  it("are unset by default", () => {
    const config = resolve();
    assert.equal(config.defaultVersion, undefined);
    assert.equal(config.versioning, undefined);
  });

  it("come from flags, the environment or the config file (flags first)", () => {
    assert.equal(resolve({ "default-version": "1.2" }).defaultVersion, "1.2");
    assert.equal(resolve({}, { TASKHUB_DEFAULT_VERSION: "1.3" }).defaultVersion, "1.3");
    assert.equal(resolve({}, {}, { defaultVersion: "1.4" }).defaultVersion, "1.4");
    assert.equal(resolve({ "default-version": "9" }, { TASKHUB_DEFAULT_VERSION: "8" }).defaultVersion, "9");
    assert.deepEqual(
      resolve(
        { "worker-version": "2.0", "version-match-strategy": "Strict" },
        {
          TASKHUB_VERSION_FAILURE_STRATEGY: "Fail",
        },
      ).versioning,
      { version: "2.0", matchStrategy: "Strict", failureStrategy: "Fail" },
    );
    assert.deepEqual(resolve({}, {}, { versioning: { matchStrategy: "None" } }).versioning, {
      matchStrategy: "None",
    });
  });

  it("refuses a strategy that does not exist, naming where it came from and what is accepted", () => {
    assert.throws(
      () => resolve({ "version-match-strategy": "strict" }),
      (e: Error) =>
        e instanceof ConfigError &&
        e.message === "--version-match-strategy must be one of None, Strict, CurrentOrOlder (got 'strict').",
    );
    assert.throws(
      () => resolve({}, { TASKHUB_VERSION_FAILURE_STRATEGY: "Abandon" }),
      /TASKHUB_VERSION_FAILURE_STRATEGY must be one of Reject, Fail \(got 'Abandon'\)/,
    );
    assert.throws(
      () => resolve({}, {}, { versioning: { version: 2 } }),
      /'versioning.version' in .* must be a non-empty string/,
    );
  });

  it("the flags are taskhub start's (and --version still prints the package version)", () => {
    const line = parseCommandLine(["start", "app.ts", "--default-version", "1.0", "--worker-version", "1.1"]);
    assert.equal(line.flags["default-version"], "1.0");
    assert.equal(line.flags["worker-version"], "1.1");
    assert.equal(parseCommandLine(["--version"]).version, true);
  });
});
