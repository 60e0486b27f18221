/**
 * Poison work with real processes, on a SQLite file and on PostgreSQL: a worker process runs under a supervisor
 * (written here) that restarts it whenever it exits, as systemd's `Restart=always` or a container restart policy
 * would. Work that crashes the process every time it runs (an activity that calls `process.exit(1)`, one that throws in
 * a timer callback, an orchestrator that exits) is quarantined after exactly `maxDeliveryCount` (3) crashes: the
 * activity's orchestration compensates in its `catch`, the orchestrator's instance fails, both with a
 * `PoisonMessageError`; every healthy instance started alongside completes, although it was in flight when the process
 * crashed (work delivered again after repeated crashes runs alone, so no crash is counted against it twice more).
 * Nothing here depends on timing: each crash is one journal line and one exit of the process, whenever it happens.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import {
  postgresTaskHub,
  sqliteTaskHub,
  UNCAUGHT_ERROR_EXIT_CODE,
  type FailureDetails,
  type TaskHub,
} from "../../src/index.js";
import { DEFAULT_POSTGRES_URL } from "../../src/sql/postgres/postgres-task-hub.js";
import { statsOf } from "../../src/task-hub/health.js";
import { journalLines } from "../support/child-worker.js";
import { runCli } from "../support/cli-process.js";
import { poisonApp, type CrashMode } from "../support/poison-app.js";
import { config, dropCreatedSchemas, requirePostgres, uniqueHubName } from "../task-hub/postgres-support.js";

const workerScript = fileURLToPath(new URL("../support/poison-worker.ts", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "taskhub-poison-crash-"));
after(() => rmSync(dir, { recursive: true, force: true }));
after(dropCreatedSchemas);
const URL_ = config.connectionString ?? DEFAULT_POSTGRES_URL;
let runs = 0;

/** The worker processes' exits, as a supervisor saw them. */
interface Supervised {
  /** Exit codes (or signals) of the processes that ended, in order. */
  readonly exits: (number | string)[];
  /** Everything the processes wrote on stderr. */
  readonly log: () => string;
  /** Stops supervising and kills the running process. */
  stop(): Promise<void>;
}

/** Runs the poison worker on `hub`, restarting it each time it exits, until stopped. */
function supervise(hub: string, journal: string): Supervised {
  const exits: (number | string)[] = [];
  let log = "";
  let current: ChildProcess | undefined;
  let stopping = false;
  const start = (): void => {
    const child = spawn(process.execPath, ["--import", "tsx", workerScript, hub, journal], {
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, TASKHUB_POSTGRES_URL: URL_ },
    });
    current = child;
    child.stderr!.on("data", (chunk: Buffer) => (log += chunk.toString()));
    child.once("exit", (code, signal) => {
      if (stopping) return;
      exits.push(code ?? signal ?? "?");
      start(); // Restart=always
    });
  };
  start();
  return {
    exits,
    log: () => log,
    async stop() {
      stopping = true;
      const child = current;
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGKILL");
      });
    },
  };
}

function assertPoison(failure: FailureDetails | undefined, what: RegExp): void {
  assert.equal(failure?.errorType, "PoisonMessageError", JSON.stringify(failure));
  assert.equal(failure.nonRetryable, true);
  assert.match(failure.message, what);
  assert.match(
    failure.message,
    /delivered 3 times .* reaching maxDeliveryCount 3; the last delivery was held by worker poison-\d+/,
  );
}

/** A fresh hub for one scenario: the test's hub object, where the worker script finds it, `taskhub health` flags. */
interface ScenarioHub {
  readonly hub: TaskHub;
  readonly location: string;
  readonly healthArgs: readonly string[];
}

type PoisonApp = ReturnType<typeof poisonApp>;
type Client = ReturnType<PoisonApp["app"]["createClient"]>;

/** The poison scenarios, each on a fresh hub from `openHub`. */
function poisonScenarios(label: string, openHub: () => ScenarioHub, setup?: () => Promise<void>): void {
  describe(`poison work under a supervisor (${label}, real processes)`, () => {
    if (setup) before(setup);
    const healthy = 8;

    /**
     * Starts the poisoned instance (`start`) and healthy ones, under a supervised worker; checks that every healthy
     * instance completes, then `check`s the poisoned one (`lines` reads the journal), and that the hub counts one
     * quarantine (`taskhub health` too). Returns the supervisor, stopped.
     */
    async function scenario(
      start: (client: Client, app: PoisonApp) => Promise<string>,
      check: (poisoned: string, client: Client, hub: TaskHub, lines: () => string[]) => Promise<void>,
    ): Promise<Supervised> {
      const journal = join(dir, `journal-${runs++}.log`);
      const { hub, location, healthArgs } = openHub();
      await hub.init();
      const app = poisonApp(journal);
      const client = app.app.createClient(hub);
      const supervisor = supervise(location, journal);
      try {
        const poisoned = await start(client, app);
        // Healthy instances alongside: started with the poison, so that they are in flight when it crashes.
        for (let i = 0; i < healthy; i++)
          await client.startNew(app.healthy, { instanceId: `healthy-${i}`, input: i * 10 });
        for (let i = 0; i < healthy; i++) {
          const status = await client.waitForCompletion(`healthy-${i}`, { timeoutMs: 120_000 });
          assert.equal(
            status.runtimeStatus,
            "Completed",
            `healthy-${i}: ${JSON.stringify(status.failureDetails)}`,
          );
          assert.equal(status.output, i * 10 + 3);
        }
        await check(poisoned, client, hub, () => journalLines(journal));
        assert.equal(
          (await statsOf(hub)).quarantinedWorkItems,
          1,
          "one quarantine, none of the healthy work",
        );
        const health = runCli(["health", ...healthArgs], dir);
        assert.equal(health.status, 0, health.stderr);
        assert.equal((JSON.parse(health.stdout) as { quarantinedWorkItems: number }).quarantinedWorkItems, 1);
        return supervisor;
      } catch (error) {
        process.stderr.write(
          `exits: ${JSON.stringify(supervisor.exits)}; worker logs:\n${supervisor.log()}\n`,
        );
        throw error;
      } finally {
        await supervisor.stop();
        await hub.close();
      }
    }

    for (const mode of ["exit", "timer"] as const satisfies readonly CrashMode[]) {
      const how = mode === "exit" ? "calls process.exit(1)" : "throws in a timer callback";
      it(`an activity that ${how}: quarantined after 3 crashes; the orchestration compensates`, async () => {
        const supervisor = await scenario(
          (client, { order }) => client.startNew(order, { instanceId: `order-${mode}`, input: mode }),
          async (poisoned, client, _hub, lines) => {
            const status = await client.waitForCompletion(poisoned, { timeoutMs: 120_000 });
            assert.equal(status.runtimeStatus, "Completed", JSON.stringify(status.failureDetails));
            const output = status.output as { compensation: string; failure: FailureDetails };
            assert.equal(output.compensation, "refunded after PoisonMessageError");
            assertPoison(output.failure, /^Activity 'Crash' \(attempt 1\) of instance 'order-/);
            const journal = lines();
            const crashes = journal.filter((l) => l.startsWith(`activity ${poisoned} `));
            assert.equal(
              crashes.length,
              3,
              `the activity ran, crashing its process, 3 times: ${journal.join("; ")}`,
            );
            assert.equal(new Set(crashes.map((l) => l.split(" ")[2])).size, 3, "in 3 processes");
          },
        );
        const code = mode === "exit" ? 1 : UNCAUGHT_ERROR_EXIT_CODE;
        assert.deepEqual(supervisor.exits, [code, code, code], "3 crashes, nothing else");
      });
    }

    it("an orchestrator that exits its process: the instance fails with PoisonMessageError after 3 crashes", async () => {
      const supervisor = await scenario(
        (client, { crashing }) => client.startNew(crashing, { instanceId: "crashing" }),
        async (poisoned, client, hub, lines) => {
          const status = await client.waitForCompletion(poisoned, { timeoutMs: 120_000 });
          assert.equal(status.runtimeStatus, "Failed");
          assertPoison(status.failureDetails, /^Orchestration 'Crashing' \(instance 'crashing'\)/);
          const history = await hub.getHistory(poisoned);
          assert.equal(history.filter((e) => e.type === "ExecutionCompleted").length, 1);
          assert.equal(lines().filter((l) => l.startsWith("orchestration crashing ")).length, 3);
        },
      );
      assert.deepEqual(supervisor.exits, [1, 1, 1], "3 crashes, nothing else");
    });
  });
}

poisonScenarios("SQLite file", () => {
  const location = join(dir, `hub-${runs++}.db`);
  return { hub: sqliteTaskHub(location), location, healthArgs: ["--hub", location] };
});

poisonScenarios(
  "PostgreSQL",
  () => {
    const hubName = uniqueHubName("poison");
    return {
      hub: postgresTaskHub({ connectionString: URL_, hubName }),
      location: `postgres:${hubName}`,
      healthArgs: ["--postgres", URL_, "--hub-name", hubName],
    };
  },
  requirePostgres,
);
