/**
 * `taskhub sidecar` as a real child process for the Durable Task SDK tests: started on a SQLite hub file in a
 * temporary directory or on a fresh PostgreSQL schema, with `--port 0 --http-port 0` (the bound gRPC address and HTTP
 * URL are read from its banner), stopped with SIGTERM (or killed with SIGKILL). Plus the SDK's client and worker
 * connected to it, the management HTTP API's status of an instance, and waiting for a condition.
 * @module
 */
import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  NoOpLogger,
  TaskHubGrpcClient,
  TaskHubGrpcWorker,
  type Logger,
  type OrchestrationState,
} from "@microsoft/durabletask-js";
import { DEFAULT_POSTGRES_URL } from "../../src/sql/postgres/postgres-task-hub.js";
import { config as pgConfig, uniqueHubName } from "../task-hub/postgres-support.js";
import { BIN } from "./cli-process.js";

/** Where a sidecar keeps its hub: the `taskhub sidecar` arguments that select it. */
export interface SidecarBackend {
  /** `sqlite` or `postgres` (for test titles). */
  readonly name: "sqlite" | "postgres";
  /** The hub arguments: `--hub FILE`, or `--postgres URL --hub-name SCHEMA`. */
  readonly args: readonly string[];
  /** The directory the sidecar runs in (and, for SQLite, holds the hub file). */
  readonly dir: string;
}

const dirs: string[] = [];

function newDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "taskhub-sdk-"));
  dirs.push(dir);
  return dir;
}

/** A new SQLite hub file in a new temporary directory. */
export function sqliteBackend(): SidecarBackend {
  const dir = newDir();
  return { name: "sqlite", args: ["--hub", join(dir, "hub.db")], dir };
}

/**
 * A PostgreSQL hub on a fresh schema (`hubName`, default a unique one, dropped by the test file's
 * `dropCreatedSchemas`). Use the test file's `requirePostgres` hook: these tests fail, never skip, without a server.
 */
export function postgresBackend(hubName = uniqueHubName("sdk")): SidecarBackend {
  return {
    name: "postgres",
    args: ["--postgres", pgConfig.connectionString ?? DEFAULT_POSTGRES_URL, "--hub-name", hubName],
    dir: newDir(),
  };
}

/** Removes the temporary directories of the backends made here (use in an `after` hook, after the sidecars stop). */
export function removeBackendDirs(): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A running `taskhub sidecar` child process. */
export interface SidecarProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** The gRPC address the SDKs connect to, `host:port`. */
  readonly address: string;
  /** The HTTP host's URL (management API, dashboard), e.g. `http://127.0.0.1:43125`. */
  readonly url: string;
  /** Everything it printed so far (stdout and stderr interleaved). */
  readonly output: () => string;
  /** Resolves with its exit code (`null` when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** The number of SDK work-item streams connected, by the sidecar's last connect/disconnect log line. */
  connectedWorkers(): number;
  /** SIGTERM, then waits for the exit (SIGKILL after `timeoutMs`); resolves with the exit code. Idempotent. */
  stop(timeoutMs?: number): Promise<number | null>;
  /** SIGKILL, then waits for the exit. */
  kill(): Promise<void>;
}

const running = new Set<SidecarProcess>();

/**
 * Starts `taskhub sidecar --port 0 --http-port 0 --local-dev` on `backend` (plus `extraArgs`; `port` instead of 0 to
 * take a given gRPC port, e.g. the one of a sidecar that was killed) and resolves once its
 * banner names both addresses; rejects with its output when it exits first or does not serve within `timeoutMs`.
 * `nodeArgs` go before the CLI (e.g. `--cpu-prof`).
 */
export async function startSidecarProcess(
  backend: SidecarBackend,
  options: {
    readonly extraArgs?: readonly string[];
    readonly nodeArgs?: readonly string[];
    /** The gRPC port (default 0: a free one). */
    readonly port?: number;
    readonly timeoutMs?: number;
  } = {},
): Promise<SidecarProcess> {
  const args = [
    ...(options.nodeArgs ?? []),
    BIN,
    "sidecar",
    "--port",
    String(options.port ?? 0),
    "--http-port",
    "0",
    "--host",
    "127.0.0.1",
    "--local-dev",
    "--log-format",
    "pretty",
    ...backend.args,
    ...(options.extraArgs ?? []),
  ];
  // The hub comes from the arguments alone, whatever this shell's environment says.
  const env = { ...process.env, TASKHUB_HUB: "", TASKHUB_POSTGRES_URL: "", DATABASE_URL: "", NO_COLOR: "1" };
  const child = spawn(process.execPath, args, { cwd: backend.dir, env });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const found = await Promise.race([
    waitFor(
      async () => {
        const grpc = /Durable Task gRPC \(SDK workers and clients\): ([\w.:[\]-]+)/.exec(output)?.[1];
        const url = /Taskhub host listening on (http:\/\/[\w.:[\]-]+)/.exec(output)?.[1];
        return grpc && url ? { grpc, url } : undefined;
      },
      {
        timeoutMs: options.timeoutMs ?? 60_000,
        what: () => `taskhub sidecar to serve; it printed:\n${output}`,
      },
    ),
    exited.then((code) => {
      throw new Error(`taskhub sidecar exited with ${code} before serving:\n${output}`);
    }),
  ]).catch((error: unknown) => {
    child.kill("SIGKILL");
    throw error;
  });
  let stopping: Promise<number | null> | undefined;
  const sidecar: SidecarProcess = {
    child,
    address: found.grpc,
    url: found.url,
    output: () => output,
    exited,
    connectedWorkers: () => Number([...output.matchAll(/\((\d+) connected\)/g)].at(-1)?.[1] ?? 0),
    stop: (timeoutMs = 30_000) =>
      (stopping ??= (async () => {
        running.delete(sidecar);
        if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
        child.kill("SIGTERM");
        const force = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
        try {
          return await exited;
        } finally {
          clearTimeout(force);
        }
      })()),
    kill: async () => {
      running.delete(sidecar);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
  running.add(sidecar);
  return sidecar;
}

/** Stops every sidecar started here and not stopped yet (an `after` hook's safety net). */
export async function stopAllSidecars(): Promise<void> {
  await Promise.all([...running].map((s) => s.stop()));
}

/** The SDK's client on `address`. Stop it with `client.stop()`. */
export function sdkClient(address: string): TaskHubGrpcClient {
  return new TaskHubGrpcClient({ hostAddress: address, logger: new NoOpLogger() });
}

/**
 * The SDK's worker on `sidecar`, its functions added by `register`, started, and connected: resolves once the
 * sidecar counts one more work-item stream. Stop it with `worker.stop()`.
 */
export async function startSdkWorker(
  sidecar: SidecarProcess,
  register: (worker: TaskHubGrpcWorker) => void,
  log: Logger = new NoOpLogger(),
): Promise<TaskHubGrpcWorker> {
  const before = sidecar.connectedWorkers();
  const worker = new TaskHubGrpcWorker({
    hostAddress: sidecar.address,
    logger: log,
    shutdownTimeoutMs: 5000,
  });
  register(worker);
  await worker.start();
  await waitFor(async () => sidecar.connectedWorkers() > before, {
    what: () => `the SDK worker's stream to connect; the sidecar printed:\n${sidecar.output()}`,
  });
  return worker;
}

const workerScript = fileURLToPath(new URL("./sdk-worker-process.ts", import.meta.url));

/** An SDK worker in a child process (`sdk-worker-process.ts`). */
export interface SdkWorkerProcess {
  readonly child: ChildProcess;
  /** The lines it printed on stdout so far (`started Hold ...`, `ran Step ...`). */
  readonly lines: () => string[];
  /** What it printed on stderr. */
  readonly errors: () => string;
  /** SIGKILL, then waits for the exit. */
  kill(): Promise<void>;
  /** SIGTERM (the SDK worker stops), then waits for the exit. */
  stop(): Promise<void>;
}

/**
 * Starts `sdk-worker-process.ts` on `sidecar` in `mode` (`block`: its `Hold` activity never returns) and resolves
 * once the sidecar counts one more connected work-item stream.
 */
export async function startSdkWorkerProcess(
  sidecar: SidecarProcess,
  mode: "block" | "work",
): Promise<SdkWorkerProcess> {
  const before = sidecar.connectedWorkers();
  const child = spawn(process.execPath, ["--import", "tsx", workerScript, sidecar.address, mode], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  const signal = async (name: NodeJS.Signals) => {
    if (!gone()) child.kill(name);
    await exited;
  };
  await waitFor(
    async () => {
      if (gone()) throw new Error(`the SDK worker process exited early:\n${out}${err}`);
      return /^ready /m.test(out) && sidecar.connectedWorkers() > before;
    },
    { what: () => `the SDK worker process to connect; it printed:\n${out}${err}` },
  );
  return {
    child,
    lines: () => out.split("\n").filter((l) => l !== ""),
    errors: () => err,
    kill: () => signal("SIGKILL"),
    stop: () => signal("SIGTERM"),
  };
}

/** The management HTTP API's status of `instanceId` on `sidecar` (with history), or undefined when it answers 404. */
export async function httpStatus(
  sidecar: SidecarProcess,
  instanceId: string,
): Promise<
  | {
      runtimeStatus: string;
      name: string;
      output: unknown;
      customStatus: unknown;
      historyEvents?: Record<string, unknown>[];
    }
  | undefined
> {
  const response = await fetch(
    `${sidecar.url}/runtime/webhooks/durabletask/instances/${encodeURIComponent(instanceId)}` +
      "?showHistory=true&showHistoryOutput=true",
  );
  if (response.status === 404) return undefined;
  if (!response.ok)
    throw new Error(`GET status of ${instanceId}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as never;
}

/** The events of `type` in an HTTP status's history (`EventType`). */
export function historyOf(
  status: { historyEvents?: Record<string, unknown>[] } | undefined,
  type: string,
): Record<string, unknown>[] {
  return (status?.historyEvents ?? []).filter((e) => e.EventType === type);
}

/** A parsed JSON payload of an SDK state (`serializedOutput` / `serializedInput` / `serializedCustomStatus`). */
export function parsed(text: string | undefined): unknown {
  return text === undefined || text === "" ? undefined : (JSON.parse(text) as unknown);
}

/** Waits for the SDK client to see `instanceId` terminal (long-poll, 90 s) and returns its state with payloads. */
export async function completion(client: TaskHubGrpcClient, instanceId: string): Promise<OrchestrationState> {
  const state = await client.waitForOrchestrationCompletion(instanceId, true, 90);
  if (!state) throw new Error(`instance ${instanceId} does not exist`);
  return state;
}

/**
 * Polls `check` (every 25 ms) until it returns a truthy value, and returns it; throws after `timeoutMs` (default
 * 60 s), saying what was waited for.
 */
export async function waitFor<T>(
  check: () => Promise<T | undefined | false | null | 0 | "">,
  options: { readonly timeoutMs?: number; readonly what?: string | (() => string) } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) {
      const what = typeof options.what === "function" ? options.what() : (options.what ?? "a condition");
      throw new Error(`Timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
