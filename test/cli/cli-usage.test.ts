/**
 * The `taskhub` command line helps: `--version`, a help text per command listing exactly the flags it takes, and
 * usage errors that name the one wrong thing and point to the command's help (exit code 2), in one line.
 */
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { after, describe, it } from "node:test";
import { acceptedFlags, COMMANDS } from "../../src/cli/command-line.js";
import { COMMAND_USAGE, USAGE } from "../../src/cli/usage.js";
import { removeTempDirs, runCli, tempDir } from "../support/cli-process.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const APP = fileURLToPath(new URL("../http/cli-app.ts", import.meta.url));
after(removeTempDirs);

describe("taskhub --version", () => {
  it("prints the version of package.json", () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    const result = runCli(["--version"], tempDir());
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, `${version}\n`);
    assert.equal(runCli(["start", "--version"], tempDir()).stdout, `${version}\n`);
  });

  it("reads the package.json two levels up from the module, in src/cli/ and in dist/cli/ alike", async () => {
    const pkg = tempDir("taskhub-pkg-");
    writeFileSync(join(pkg, "package.json"), JSON.stringify({ name: "taskhub", version: "9.8.7-installed" }));
    for (const dir of ["src", "dist"]) {
      mkdirSync(join(pkg, dir, "cli"), { recursive: true });
      const copy = join(pkg, dir, "cli", "version.ts");
      copyFileSync(join(ROOT, "src", "cli", "version.ts"), copy);
      const module = (await import(pathToFileURL(copy).href)) as { packageVersion: () => string };
      assert.equal(module.packageVersion(), "9.8.7-installed", dir);
    }
  });
});

describe("taskhub <command> --help", () => {
  for (const command of COMMANDS) {
    it(`${command}: its own usage on stdout, exit 0, listing exactly the flags it takes`, () => {
      for (const args of [
        [command, "--help"],
        [command, "-h"],
        ["help", command],
      ]) {
        const result = runCli(args, tempDir());
        assert.equal(result.status, 0, result.stderr);
        assert.equal(result.stderr, "");
        assert.equal(result.stdout, COMMAND_USAGE[command]);
      }
      const usage = COMMAND_USAGE[command];
      assert.ok(usage.startsWith(`Usage:`) && usage.includes(`taskhub ${command}`));
      const listed = new Set([...usage.matchAll(/--([a-z][a-z-]*)/g)].map((m) => m[1]));
      assert.deepEqual([...listed].sort(), [...acceptedFlags(command)].sort());
    });
  }

  it("the overview lists every command", () => {
    const result = runCli(["--help"], tempDir());
    assert.equal(result.status, 0);
    assert.equal(result.stdout, USAGE);
    for (const command of COMMANDS) assert.match(USAGE, new RegExp(`^  ${command} `, "m"));
    assert.ok(USAGE.split("\n").length < 20, "an overview, not every option");
  });
});

describe("usage errors", () => {
  const cases: [string[], string][] = [
    [["start", APP, "--prot", "1"], "unknown option '--prot'. See 'taskhub start --help'."],
    [["start", APP, "--port"], "option '--port' needs a value. See 'taskhub start --help'."],
    [["dev", APP, "--hub", "--local-dev"], "option '--hub' needs a value. See 'taskhub dev --help'."],
    [["start", APP, "--local-dev=no"], "option '--local-dev' takes no value. See 'taskhub start --help'."],
    [["start", APP, "extra.ts"], "unexpected argument 'extra.ts'. See 'taskhub start --help'."],
    [
      ["start"],
      "'taskhub start' needs the app module, e.g. taskhub start src/app.ts. See 'taskhub start --help'.",
    ],
    [["keys", "list", "--port", "1"], "'taskhub keys' has no option '--port'. See 'taskhub keys --help'."],
    [
      ["keys", "rotate"],
      "unknown action 'rotate' (use create, list, revoke or rotate-instance-codes). See 'taskhub keys --help'.",
    ],
    [
      ["keys"],
      "'taskhub keys' needs an action: create, list, revoke or rotate-instance-codes. See 'taskhub keys --help'.",
    ],
    [["health", "now"], "unexpected argument 'now'. See 'taskhub health --help'."],
    [["health", "--admin"], "'taskhub health' has no option '--admin'. See 'taskhub health --help'."],
    [["strat", APP], "unknown command 'strat'. See 'taskhub --help'."],
    [["help", "strat"], "unknown command 'strat'. See 'taskhub --help'."],
    [["--port", "1"], "no command given. See 'taskhub --help'."],
  ];
  for (const [args, message] of cases)
    it(`taskhub ${args.map((a) => (a === APP ? "app.ts" : a)).join(" ")}`, () => {
      const result = runCli(args, tempDir());
      assert.equal(result.status, 2);
      assert.equal(result.stderr, `taskhub: ${message}\n`, "one line: the wrong thing and where to look");
      assert.equal(result.stdout, "");
    });

  it("taskhub alone prints the overview on stderr and exits 2", () => {
    const result = runCli([], tempDir());
    assert.equal(result.status, 2);
    assert.equal(result.stderr, USAGE);
  });
});
