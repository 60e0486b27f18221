/**
 * Safe defaults: local-dev mode (no keys) listens on 127.0.0.1 unless a host is set explicitly, and the banner shows
 * the address really bound; the SQLite hub, its WAL and SHM files, the `.taskhub` folder and the keys file are
 * readable by their owner only, and modes a user set are never loosened.
 */
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, describe, it } from "node:test";
import Database from "better-sqlite3";
import { resolveConfig } from "../../src/host/config.js";
import { sqliteTaskHub } from "../../src/sql/sqlite/sqlite-task-hub.js";
import { listeningUrls, removeTempDirs, runCli, spawnCli, tempDir } from "../support/cli-process.js";
import { eventually } from "../support/test-host.js";

const APP = fileURLToPath(new URL("../http/cli-app.ts", import.meta.url));
after(removeTempDirs);

const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);

describe("local-dev mode's address", () => {
  it("is 127.0.0.1 however local-dev is set, unless the host is set explicitly", () => {
    const dir = tempDir();
    const host = (flags: Record<string, string | boolean>, env: NodeJS.ProcessEnv = {}, file?: object) => {
      if (file) writeFileSync(join(dir, "taskhub.config.json"), JSON.stringify(file));
      try {
        return resolveConfig({ flags, env, cwd: dir }).host;
      } finally {
        if (file) writeFileSync(join(dir, "taskhub.config.json"), "{}");
      }
    };
    assert.equal(host({}), "0.0.0.0");
    assert.equal(host({ "local-dev": true }), "127.0.0.1");
    assert.equal(host({}, { TASKHUB_LOCAL_DEV: "true" }), "127.0.0.1");
    assert.equal(host({}, {}, { localDev: true }), "127.0.0.1");
    assert.equal(host({ "local-dev": true, host: "0.0.0.0" }), "0.0.0.0");
    assert.equal(host({ "local-dev": true }, { TASKHUB_HOST: "::" }), "::");
    assert.equal(host({}, { TASKHUB_LOCAL_DEV: "1" }, { host: "10.1.2.3" }), "10.1.2.3");
    assert.equal(host({ "local-dev": false }, {}, { localDev: true }), "0.0.0.0");
  });

  /** Starts the CLI test app with `args`, returns its banner and stops it. */
  async function banner(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
    const child = spawnCli(["start", APP, "--port", "0", "--hub", ":memory:", ...args], tempDir(), env);
    try {
      await eventually(
        async () => listeningUrls(child.output()).length > 0 && /Keys|Local/.test(child.output()),
        30_000,
      );
      child.process.kill("SIGTERM");
      assert.equal(await child.exited, 0, child.output());
      return child.output();
    } finally {
      child.process.kill("SIGKILL");
    }
  }

  it("binds 127.0.0.1 with --local-dev or TASKHUB_LOCAL_DEV, and the banner says so", async () => {
    for (const output of [await banner(["--local-dev"]), await banner([], { TASKHUB_LOCAL_DEV: "true" })]) {
      // JSON log lines (the output is a pipe): the message ends where its string does.
      assert.match(output, /Taskhub host listening on http:\/\/127\.0\.0\.1:\d+"/);
      assert.match(output, /Local development mode: no keys are required\."/);
    }
  });

  it("shows the address really bound, and warns when local-dev listens beyond this machine", async () => {
    const open = await banner(["--local-dev", "--host", "0.0.0.0"]);
    assert.match(
      open,
      /Taskhub host listening on http:\/\/localhost:(\d+) \(bound to 0\.0\.0\.0:\1, every network interface\)/,
    );
    assert.match(open, /Warning: anyone who can reach 0\.0\.0\.0:\d+ can call this host/);
    const keyed = await banner([], { TASKHUB_SYSTEM_KEY: "system-key-for-the-test" });
    assert.match(
      keyed,
      /listening on http:\/\/localhost:(\d+) \(bound to 0\.0\.0\.0:\1, every network interface\)/,
    );
    assert.match(keyed, /Keys: /);
  });
});

describe("file modes", () => {
  it("creates the .taskhub folder 0700, the hub and its WAL/SHM files 0600, the keys file 0600", async () => {
    const dir = tempDir();
    const child = spawnCli(["start", APP, "--port", "0", "--host", "127.0.0.1", "--local-dev"], dir);
    try {
      await eventually(async () => listeningUrls(child.output()).length > 0, 30_000);
      assert.equal(mode(join(dir, ".taskhub")), "700");
      for (const file of ["hub.db", "hub.db-wal", "hub.db-shm"])
        assert.equal(mode(join(dir, ".taskhub", file)), "600", file);
      const created = runCli(["keys", "create", "--name", "ci"], dir);
      assert.equal(created.status, 0, created.stderr);
      assert.equal(mode(join(dir, ".taskhub", "keys.json")), "600");
      child.process.kill("SIGTERM");
      assert.equal(await child.exited, 0, child.output());
    } finally {
      child.process.kill("SIGKILL");
    }
  });

  it("creates every missing folder of a hub or keys file 0700, and leaves modes the user set", async () => {
    const dir = tempDir();
    const hub = sqliteTaskHub(join(dir, "a", "b", "hub.db"));
    await hub.init();
    await hub.close();
    assert.equal(mode(join(dir, "a")), "700");
    assert.equal(mode(join(dir, "a", "b")), "700");
    assert.equal(mode(join(dir, "a", "b", "hub.db")), "600");

    const shared = join(dir, "shared");
    mkdirSync(shared, { mode: 0o750 });
    chmodSync(shared, 0o750);
    new Database(join(shared, "hub.db")).close();
    chmodSync(join(shared, "hub.db"), 0o640);
    const existing = sqliteTaskHub(join(shared, "hub.db"));
    await existing.init();
    assert.equal(mode(join(shared, "hub.db")), "640", "an existing hub keeps its mode");
    await existing.close();
    assert.equal(mode(shared), "750");

    const keys = join(dir, "keys", "keys.json");
    assert.equal(runCli(["keys", "create", "--name", "a", "--keys-file", keys], dir).status, 0);
    assert.equal(mode(join(dir, "keys")), "700");
    chmodSync(keys, 0o400);
    assert.equal(runCli(["keys", "create", "--name", "b", "--keys-file", keys], dir).status, 0);
    assert.equal(mode(keys), "400", "a tighter mode the user set stays");
    assert.match(
      runCli(["keys", "list", "--keys-file", keys], dir).stdout,
      /^a\tfunction\t.*\nb\tfunction\t/,
    );
  });
});
