/**
 * The package as users get it: `npm pack` (which builds dist/ through `prepack`), the tarball installed into a
 * fresh project with its own package.json, a strict TypeScript app type-checked and compiled against the installed
 * types, an orchestration run through the installed package on SQLite and in the test environment of
 * `taskhub/testing`, a copied example, and the installed `taskhub` bin serving an app from an ES-module project and
 * from a CommonJS one (what `npm init -y` makes).
 */
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync, type SpawnSyncReturns } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { eventually } from "../support/test-host.js";
import {
  TaskHubGrpcClient,
  TaskHubGrpcWorker,
  type ActivityContext,
  type OrchestrationContext,
} from "@microsoft/durabletask-js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CONSUMER = fileURLToPath(new URL("./consumer/", import.meta.url));
const EXAMPLES = join(ROOT, "examples");
const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
const installedVersion = (name: string): string =>
  (JSON.parse(readFileSync(join(ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string })
    .version;

const work = mkdtempSync(join(tmpdir(), "taskhub-package-"));
const project = join(work, "project");
after(() => rmSync(work, { recursive: true, force: true }));

/** Runs a command to completion; throws with its output when it fails (unless `allowFailure`). */
function run(
  command: string,
  args: readonly string[],
  cwd: string,
  options: { allowFailure?: boolean; env?: NodeJS.ProcessEnv } = {},
): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, npm_config_loglevel: "error", npm_config_fund: "false", ...options.env },
    timeout: 600_000,
  });
  if (!options.allowFailure && result.status !== 0)
    throw new Error(
      `${command} ${args.join(" ")} failed (${result.status}):\n${result.stdout}\n${result.stderr}`,
    );
  return result;
}

const CONSUMER_TSCONFIG = {
  compilerOptions: {
    target: "ES2022",
    module: "NodeNext",
    moduleResolution: "NodeNext",
    strict: true,
    skipLibCheck: false,
    types: ["node"],
    outDir: "build",
  },
  include: ["app.ts", "run.ts", "order-processing.ts", "order-workflow.ts"],
};

let tarball = "";
let entries: string[] = [];

before(() => {
  const packed = run("npm", ["pack", "--json", "--pack-destination", work], ROOT);
  const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf("["))) as { filename: string }[];
  tarball = join(work, info!.filename);
  entries = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" })
    .split("\n")
    .filter((e) => e !== "")
    .map((e) => e.replace(/^package\//, ""));

  mkdirSync(project);
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({ name: "taskhub-consumer", private: true, type: "module" }, null, 2),
  );
  run(
    "npm",
    [
      "install",
      "--prefer-offline",
      "--no-audit",
      tarball,
      `typescript@${installedVersion("typescript")}`,
      `@types/node@${installedVersion("@types/node")}`,
    ],
    project,
  );
  for (const file of ["app.ts", "run.ts"]) copyFileSync(join(CONSUMER, file), join(project, file));
  for (const file of ["order-processing.ts", "order-workflow.ts"])
    copyFileSync(join(EXAMPLES, file), join(project, file));
  writeFileSync(join(project, "tsconfig.json"), JSON.stringify(CONSUMER_TSCONFIG, null, 2));
});

describe("the packed tarball", () => {
  it("ships the dashboard's page, modules and style sheet", () => {
    for (const file of [
      "dashboard/index.html",
      "dashboard/app.js",
      "dashboard/style.css",
      "dashboard/timeline.js",
    ])
      assert.ok(entries.includes(file), `${file} is in the tarball`);
    assert.ok(entries.includes("dist/http/dashboard/dashboard-assets.js"));
  });

  it("ships dist/ (JS, types, source maps), bin/, README, LICENSE and CHANGELOG", () => {
    for (const file of [
      "package.json",
      "README.md",
      "LICENSE",
      "CHANGELOG.md",
      "bin/taskhub.js",
      "dist/index.js",
      "dist/index.d.ts",
      "dist/index.js.map",
      "dist/cli/main.js",
      "dist/testing/index.js",
      "dist/testing/index.d.ts",
      "dist/compat/df-v3/index.js",
      "dist/compat/df-v3/index.d.ts",
      "dist/sidecar/protocol.js",
      "proto/orchestrator_service.proto",
    ])
      assert.ok(entries.includes(file), `${file} is in the tarball`);
  });

  it("ships nothing a user does not need", () => {
    const topLevel = [...new Set(entries.map((e) => e.split("/")[0]))].sort();
    assert.deepEqual(topLevel, [
      "CHANGELOG.md",
      "LICENSE",
      "README.md",
      "bin",
      "dashboard",
      "dist",
      "package.json",
      "proto",
    ]);
    assert.deepEqual(
      entries.filter((e) => /\.test\.|tsbuildinfo/.test(e)),
      [],
    );
  });
});

describe("the installed package", () => {
  it("installs without the repository's sources", () => {
    const installed = join(project, "node_modules", "taskhub");
    assert.ok(existsSync(join(installed, "dist", "index.d.ts")));
    assert.equal(existsSync(join(installed, "src")), false);
  });

  it("type-checks and compiles a strict app (skipLibCheck off) against the published types", () => {
    run(join(project, "node_modules", ".bin", "tsc"), ["-p", "."], project);
    assert.ok(existsSync(join(project, "build", "run.js")));
  });

  it("reports a type error in the app: the types are real, not `any`", () => {
    writeFileSync(
      join(project, "bad.ts"),
      [
        `import { hello, greet } from "./app.js";`,
        `import { DurableApp, type OrchestrationContext } from "taskhub";`,
        `const app = new DurableApp();`,
        `app.orchestration("Bad", async (ctx: OrchestrationContext) => ctx.callActivity(greet, 42));`,
        `export const typo: string = hello.name.lenght;`,
      ].join("\n"),
    );
    writeFileSync(
      join(project, "tsconfig.bad.json"),
      JSON.stringify({ extends: "./tsconfig.json", compilerOptions: { noEmit: true }, include: ["bad.ts"] }),
    );
    const result = run(join(project, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.bad.json"], project, {
      allowFailure: true,
    });
    assert.notEqual(result.status, 0);
    assert.match(result.stdout, /bad\.ts\(4,\d+\): error TS2769: No overload matches this call/);
    assert.match(result.stdout, /bad\.ts\(5,\d+\): error TS2551/);
  });

  it("runs a Durable Functions v3 app through taskhub/durable-functions", () => {
    writeFileSync(
      join(project, "df-app.mjs"),
      [
        `import * as df from "taskhub/durable-functions";`,
        `import { sqliteTaskHub } from "taskhub";`,
        `df.app.orchestration("Hello", function* (context) {`,
        `  return [yield context.df.callActivity("Say", "Ada"), context.df.getInput()];`,
        `});`,
        `df.app.activity("Say", { handler: (name) => "Hi " + name });`,
        `const host = await df.app.start({ taskHub: sqliteTaskHub("df-hub.db") });`,
        `const client = df.getClient(host);`,
        `const id = await client.startNew("Hello", { input: 7 });`,
        `const status = await client.taskhub.waitForCompletion(id, { timeoutMs: 30000 });`,
        `await host.stop();`,
        `console.log(JSON.stringify(status.output));`,
      ].join("\n"),
    );
    const result = run(process.execPath, ["df-app.mjs"], project);
    assert.equal(result.stdout.trim().split("\n").at(-1), JSON.stringify(["Hi Ada", 7]));
  });

  it("runs an orchestration through the installed package on a SQLite file and in its test environment", () => {
    const result = run(process.execPath, [join("build", "run.js"), "consumer-hub.db"], project);
    const line = result.stdout.trim().split("\n").at(-1)!;
    const summary = JSON.parse(line) as {
      status: string;
      output: unknown;
      events: number;
      testEnvironment: unknown;
    };
    assert.equal(summary.status, "Completed");
    assert.deepEqual(summary.output, ["Hello, Ada!", "Hello, Grace!"]);
    assert.ok(summary.events >= 2);
    assert.deepEqual(summary.testEnvironment, ["Mocked, Ada!"], "taskhub/testing's createTestEnvironment");
    assert.ok(existsSync(join(project, "consumer-hub.db")));
  });

  it("runs an example copied out of the repository unchanged", () => {
    const result = run(process.execPath, [join("build", "order-processing.js")], project, {
      env: { TASKHUB_SQLITE_PATH: join(project, "example-hub.db") },
    });
    assert.match(result.stdout, /Instance \S+ is Completed: \{/);
  });
});

describe("the installed taskhub bin", () => {
  it("prints the package version", () => {
    const result = run("npx", ["--no-install", "taskhub", "--version"], project);
    assert.equal(result.stdout.trim(), manifest.version);
  });

  it("serves an app of an ES-module project and runs its orchestration", async () => {
    await serveAndRunHello(project);
  });

  it("serves the same app in a CommonJS project (as `npm init -y` makes it)", async () => {
    const cjs = join(project, "cjs-app");
    mkdirSync(cjs);
    writeFileSync(
      join(cjs, "package.json"),
      JSON.stringify({ name: "cjs-app", version: "1.0.0", main: "index.js", license: "ISC" }, null, 2),
    );
    copyFileSync(join(CONSUMER, "app.ts"), join(cjs, "app.ts"));
    await serveAndRunHello(cjs);
  });
});

describe("the installed taskhub sidecar", () => {
  it("serves the Durable Task gRPC protocol from the packed proto: an SDK worker runs an SDK client's orchestration", async () => {
    const bin = join(project, "node_modules", ".bin", "taskhub");
    const child = spawn(bin, ["sidecar", "--port", "0", "--http-port", "0", "--hub", "sidecar-hub.db"], {
      cwd: project,
      env: { ...process.env, TASKHUB_LOCAL_DEV: "true" },
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const quiet = { info() {}, debug() {}, warn() {}, error() {} };
    let worker: TaskHubGrpcWorker | undefined;
    let client: TaskHubGrpcClient | undefined;
    try {
      const address = await eventually(async () => {
        if (child.exitCode !== null) throw new Error(`taskhub sidecar exited early:\n${output}`);
        return /Durable Task gRPC[^:]*: ([\w.[\]-]+:\d+)/.exec(output)?.[1];
      }, 60_000);
      const greet = async (_ctx: ActivityContext, name: string): Promise<string> => `Hello, ${name}!`;
      const greeting = async function* (
        ctx: OrchestrationContext,
        name: string,
      ): AsyncGenerator<unknown, string> {
        return (yield ctx.callActivity(greet, name)) as string;
      };
      worker = new TaskHubGrpcWorker({ hostAddress: address, logger: quiet });
      worker.addOrchestrator(greeting);
      worker.addActivity(greet);
      await worker.start();
      client = new TaskHubGrpcClient({ hostAddress: address, logger: quiet });
      const id = await client.scheduleNewOrchestration(greeting, "package");
      const state = await client.waitForOrchestrationCompletion(id, true, 60);
      assert.equal(state?.serializedOutput, JSON.stringify("Hello, package!"), output);
    } finally {
      await worker?.stop();
      await client?.stop();
      child.kill("SIGTERM");
    }
    assert.equal(await exited, 0, output);
  });
});

/** `taskhub start app.ts` through the installed bin in `cwd`: starts Hello over HTTP, waits for it to complete, stops with SIGTERM. */
async function serveAndRunHello(cwd: string): Promise<void> {
  // The bin npm linked into node_modules/.bin, run directly (not through npx) so SIGTERM reaches the host itself.
  const bin = join(project, "node_modules", ".bin", "taskhub");
  const child = spawn(bin, ["start", "app.ts", "--port", "0", "--host", "127.0.0.1", "--hub", "bin-hub.db"], {
    cwd,
    env: { ...process.env, TASKHUB_LOCAL_DEV: "true" },
  });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  try {
    const url = await eventually(async () => {
      if (child.exitCode !== null) throw new Error(`taskhub start exited early:\n${output}`);
      return /listening on (http:\/\/[\w.:[\]-]+)/.exec(output)?.[1];
    }, 60_000);
    const started = await fetch(`${url}/api/hello`, { method: "POST" });
    assert.equal(started.status, 202, output);
    const { statusQueryGetUri } = (await started.json()) as { statusQueryGetUri: string };
    const status = await eventually(async () => {
      const body = (await (await fetch(statusQueryGetUri)).json()) as {
        runtimeStatus: string;
        output: unknown;
      };
      return body.runtimeStatus === "Completed" ? body : undefined;
    }, 60_000);
    assert.deepEqual(status.output, ["Hello, package!"]);
    // The dashboard, served from the installed package: its page, its own modules and Preact's (no CDN).
    const page = await fetch(`${url}/dashboard/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<script type="importmap">/);
    for (const asset of [
      "assets/app.js",
      "assets/style.css",
      "vendor/preact.mjs",
      "vendor/preact-hooks.mjs",
      "vendor/htm.mjs",
    ]) {
      const response = await fetch(`${url}/dashboard/${asset}`);
      assert.equal(response.status, 200, `${asset}: ${output}`);
      assert.ok((await response.text()).length > 100, asset);
    }
    assert.match(output, /Dashboard: http:\/\/[\w.:[\]-]+\/dashboard\//);
  } finally {
    child.kill("SIGTERM");
  }
  assert.equal(await exited, 0, output);
}
