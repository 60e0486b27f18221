/**
 * An app module that fails to load is reported in the user's terms: a syntax error as one `file:line:col: message`
 * line (TypeScript through esbuild, JavaScript through Node.js), an error thrown while importing as its message and
 * the stack frames in the user's own files, never the bundler's or Node.js's internals.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { removeTempDirs, runCli, tempDir } from "../support/cli-process.js";

after(removeTempDirs);

/** A project holding `files`; returns its directory. */
function project(files: Record<string, string>): string {
  const dir = tempDir("taskhub-load-");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const start = (dir: string, app: string) => runCli(["start", app, "--port", "0", "--hub", ":memory:"], dir);

describe("an app module that fails to load", () => {
  it("with a TypeScript syntax error: one file:line:col: message line", () => {
    const dir = project({ "app.ts": "const ok = 1;\nconst port: number = ;\nexport default ok;\n" });
    const result = start(dir, "app.ts");
    assert.equal(result.status, 1);
    assert.equal(result.stderr, `taskhub: ${join(dir, "app.ts")}:2:21: Unexpected ";"\n`);
  });

  it("with a syntax error in a TypeScript module it imports: that module's file and line", () => {
    const dir = project({
      "app.ts": 'import { x } from "./lib.ts";\nexport default x;\n',
      "lib.ts": "export const x = {\n  a: 1,,\n};\n",
    });
    const result = start(dir, "app.ts");
    assert.equal(result.status, 1);
    assert.match(result.stderr, new RegExp(`^taskhub: ${escape(join(dir, "lib.ts"))}:2:\\d+: [^\\n]+\\n$`));
  });

  it("with a JavaScript syntax error: one file:line:col: message line", () => {
    const dir = project({ "app.mjs": "export const a = 1;\n\nexport default a;\n}\n" });
    const result = start(dir, "app.mjs");
    assert.equal(result.status, 1);
    assert.equal(result.stderr, `taskhub: ${join(dir, "app.mjs")}:4:1: Unexpected token '}'\n`);
  });

  it("throwing while importing: the message and the user's own stack frames only", () => {
    const dir = project({
      "app.ts": 'import { connect } from "./db.ts";\nconnect();\nexport default {};\n',
      "db.ts": 'export function connect(): void {\n  throw new TypeError("DATABASE_URL is not set");\n}\n',
    });
    const result = start(dir, "app.ts");
    assert.equal(result.status, 1);
    const [first, ...frames] = result.stderr.trimEnd().split("\n");
    assert.equal(
      first,
      `taskhub: App module ${join(dir, "app.ts")} failed to load: TypeError: DATABASE_URL is not set`,
    );
    assert.ok(frames.length >= 2, result.stderr);
    for (const frame of frames)
      assert.match(frame, new RegExp(`^    at .*${escape(dir)}/(db|app)\\.ts:\\d+:\\d+\\)?$`));
    assert.match(frames[0] ?? "", /^ {4}at connect \(.*db\.ts:2:9\)$/);
    assert.match(frames.at(-1) ?? "", /app\.ts:2:1\)?$/);
  });

  it("importing a module that does not exist: the message only", () => {
    const dir = project({ "app.ts": 'import "./nope.ts";\nexport default {};\n' });
    const result = start(dir, "app.ts");
    assert.equal(result.status, 1);
    assert.match(
      result.stderr,
      new RegExp(
        `^taskhub: App module ${join(dir, "app.ts")} failed to load: Error: Cannot find module .*nope\\.ts.*\\n$`,
      ),
    );
  });
});
