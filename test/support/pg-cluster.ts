/**
 * A throwaway PostgreSQL cluster for outage tests: `initdb` into a temporary directory, `pg_ctl` on a free port,
 * stopped and started at will, removed afterwards. `initdb` refuses to run as root, so as root (CI) the cluster is
 * created and run as the `postgres` system user (`runuser`).
 */
import { execFile } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** A cluster started by {@link startThrowawayCluster}. */
export interface ThrowawayCluster {
  /** `postgres://postgres@127.0.0.1:<port>/postgres`. */
  readonly url: string;
  readonly port: number;
  /** Stops the server (`fast`: connections are cut, like a crash from the clients' point of view). */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  /** Stops it (if running) and deletes its files. */
  destroy(): Promise<void>;
}

/** The directory of the PostgreSQL server binaries (`initdb`, `pg_ctl`). */
export function postgresBinDir(): string {
  for (const version of ["17", "16", "15", "14", "13"]) {
    const dir = `/usr/lib/postgresql/${version}/bin`;
    if (existsSync(join(dir, "initdb"))) return dir;
  }
  throw new Error(
    "initdb and pg_ctl not found under /usr/lib/postgresql/*/bin: install the PostgreSQL server.",
  );
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Creates and starts a cluster in a temporary directory. `settings` are server settings (`-c name=value`) over the
 * defaults (`fsync=off`, `max_connections=100`; give `{ fsync: "on" }` for a production-like server).
 */
export async function startThrowawayCluster(
  settings: Readonly<Record<string, string>> = {},
): Promise<ThrowawayCluster> {
  const bin = postgresBinDir();
  const root = mkdtempSync(join(tmpdir(), "taskhub-pgcluster-"));
  const data = join(root, "data");
  const asRoot = userInfo().uid === 0;
  if (asRoot) {
    const { stdout } = await run("id", ["-u", "postgres"]);
    const { stdout: gid } = await run("id", ["-g", "postgres"]);
    chownSync(root, Number(stdout.trim()), Number(gid.trim()));
    chmodSync(root, 0o700);
  }
  const as = (command: string, args: string[]) =>
    asRoot ? run("runuser", ["-u", "postgres", "--", command, ...args]) : run(command, args);
  const port = await freePort();
  await as(join(bin, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
  const extra = Object.entries(settings)
    .map(([name, value]) => ` -c ${name}=${value}`)
    .join("");
  const options = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100${extra}`;
  const pgCtl = (args: string[]) =>
    as(join(bin, "pg_ctl"), ["-D", data, "-l", join(root, "server.log"), ...args]);
  let running = false;
  const cluster: ThrowawayCluster = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async start() {
      await pgCtl(["-o", options, "-w", "-t", "30", "start"]);
      running = true;
    },
    async stop() {
      await pgCtl(["-m", "fast", "-w", "-t", "30", "stop"]);
      running = false;
    },
    async destroy() {
      try {
        if (running) await pgCtl(["-m", "immediate", "-w", "stop"]);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
  };
  try {
    await cluster.start();
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  return cluster;
}
