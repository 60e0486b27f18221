/**
 * `taskhub instances <action>`: operating on orchestration instances from a shell, on the hub of the usual hub flags
 * (`--hub`, `--postgres`, `--hub-name`): `list`, `show`, `raise`, `terminate`, `suspend`, `resume`, `rewind`,
 * `restart` and `purge`. The hub must exist at the schema of this version (it is never created or migrated here).
 * Control operations write to the instance's inbox: a host running on the hub carries them out.
 *
 * Exit codes: 0 done; 1 the operation failed (no such instance, the instance in the wrong state, bad event data, the
 * hub unreadable), with one line on stderr, never a stack; a wrong command line is a {@link UsageError} (exit 2),
 * checked before the hub is opened.
 * @module
 */
import { DurableClient } from "../client/durable-client.js";
import { isTerminalStatus, TERMINAL_STATUSES } from "../core/runtime-status.js";
import type { HostConfig } from "../host/config.js";
import type { SqlTaskHub } from "../sql/sql-task-hub.js";
import { instanceFilterFlags, type InstanceFilterFlags } from "./instances-filter.js";
import { historyTable, instancesTable, statusLines } from "./instances-format.js";
import { HubReadError, hubReadError, openHubForReading } from "./read-hub.js";
import { UsageError } from "./usage-error.js";

const COMMAND = "instances";
const ACTIONS = [
  "list",
  "show",
  "raise",
  "terminate",
  "suspend",
  "resume",
  "rewind",
  "restart",
  "purge",
] as const;
type Action = (typeof ACTIONS)[number];

/** Instances read and purged per batch by a bulk purge. */
const PURGE_BATCH = 500;

/** Flags each action accepts besides the hub's (`--hub`, `--postgres`, `--hub-name`, `--config`). */
const ACTION_FLAGS: Readonly<Record<Action, readonly string[]>> = {
  list: [...filterFlags(), "json", "all", "page-size", "continuation-token"],
  show: ["json", "history"],
  raise: [],
  terminate: ["reason", "recursive", "no-recursive"],
  suspend: ["reason"],
  resume: ["reason"],
  rewind: ["reason"],
  restart: ["same-id"],
  purge: filterFlags(),
};

function filterFlags(): string[] {
  return ["status", "name", "prefix", "created-from", "created-to", "created-before", "version", "tag"];
}

const HUB_FLAGS = new Set(["hub", "postgres", "hub-name", "config"]);

/** Where output goes (the process's streams; tests of the CLI run it as a child process). */
interface Output {
  out(text: string): void;
  err(text: string): void;
}

const processOutput: Output = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

/** A checked command line: what to do, once the hub is open. */
type Run = (client: DurableClient, hub: SqlTaskHub, io: Output) => Promise<number>;

/**
 * Runs `taskhub instances`; returns the exit code.
 * @throws UsageError for a wrong command line (before the hub is opened).
 */
export async function runInstancesCommand(
  positionals: readonly string[],
  flags: Readonly<Record<string, string | boolean | undefined>>,
  lists: Readonly<Record<string, readonly string[]>>,
  config: () => HostConfig,
): Promise<number> {
  const [action, ...args] = positionals;
  if (action === undefined)
    throw new UsageError(`'taskhub instances' needs an action: ${ACTIONS.join(", ")}`, COMMAND);
  if (!(ACTIONS as readonly string[]).includes(action))
    throw new UsageError(`unknown action '${action}' (use ${ACTIONS.join(", ")})`, COMMAND);
  const checked = action as Action;
  for (const [flag, value] of Object.entries(flags))
    if (value !== undefined && !HUB_FLAGS.has(flag) && !ACTION_FLAGS[checked].includes(flag))
      throw new UsageError(`'taskhub instances ${checked}' has no option '--${flag}'`, COMMAND);
  const run = plan(checked, args, flags, lists["tag"] ?? []);
  const settings = config();
  const io = processOutput;
  let hub: SqlTaskHub | undefined;
  try {
    hub = await openHubForReading(settings, { write: checked !== "list" && checked !== "show" });
  } catch (error) {
    const message = error instanceof HubReadError ? error.message : hubReadError(settings, error).message;
    io.err(`taskhub instances ${checked}: ${message}\n`);
    return 1;
  }
  try {
    return await run(new DurableClient(hub), hub, io);
  } catch (error) {
    io.err(`taskhub instances ${checked}: ${oneLine(error, settings)}\n`);
    return 1;
  } finally {
    await hub.close();
  }
}

/** The one-line message of a failed operation. */
function oneLine(error: unknown, settings: Pick<HostConfig, "hub">): string {
  if (!(error instanceof Error)) return String(error);
  const name = error.name;
  const known = [
    "InstanceNotFoundError",
    "InstanceStateError",
    "InvalidArgumentError",
    "PayloadTooLargeError",
    "InstanceAlreadyExistsError",
  ];
  const message = error.message.split("\n")[0]!;
  return known.includes(name) ? message : hubReadError(settings, message).message;
}

function plan(
  action: Action,
  args: readonly string[],
  flags: Readonly<Record<string, string | boolean | undefined>>,
  tags: readonly string[],
): Run {
  const text = (name: string) => (typeof flags[name] === "string" ? flags[name] : undefined);
  const reason = text("reason");
  const idArgument = (extra = 0): string => {
    const id = args[0];
    if (id === undefined)
      throw new UsageError(`'taskhub instances ${action}' needs the instance ID`, COMMAND);
    if (args.length > 1 + extra) throw new UsageError(`unexpected argument '${args[1 + extra]}'`, COMMAND);
    return id;
  };
  switch (action) {
    case "list":
      if (args.length > 0) throw new UsageError(`unexpected argument '${args[0]}'`, COMMAND);
      return listRun(instanceFilterFlags(flags, tags), flags);
    case "show": {
      const id = idArgument();
      return async (client, _hub, io) => {
        const status = await client.getStatus(id, { showHistory: flags["history"] === true });
        if (status === undefined) return notFound(io, action, id);
        if (flags["json"] === true) io.out(`${JSON.stringify(status, null, 2)}\n`);
        else {
          const lines = statusLines(status);
          if (status.history !== undefined) lines.push("", "History:", ...historyTable(status.history));
          io.out(`${lines.join("\n")}\n`);
        }
        return 0;
      };
    }
    case "raise": {
      const id = args[0];
      const event = args[1];
      if (id === undefined || event === undefined)
        throw new UsageError("'taskhub instances raise' needs the instance ID and the event name", COMMAND);
      if (args.length > 3) throw new UsageError(`unexpected argument '${args[3]}'`, COMMAND);
      let data: unknown = null;
      if (args[2] !== undefined)
        try {
          data = JSON.parse(args[2]);
        } catch {
          throw new UsageError(
            `the event data must be JSON (quote a string: '"text"'), got '${args[2]}'`,
            COMMAND,
          );
        }
      return async (client, _hub, io) => {
        await client.raiseEvent(id, event, data);
        io.out(`Raised '${event}' to ${id}.\n`);
        return 0;
      };
    }
    case "terminate": {
      const id = idArgument();
      if (flags["recursive"] === true && flags["no-recursive"] === true)
        throw new UsageError("--recursive and --no-recursive cannot both be given", COMMAND);
      // Recursive by default, as the client's terminate: its running sub-orchestrations are terminated too.
      const recursive = flags["no-recursive"] !== true;
      return async (client, _hub, io) => {
        await client.terminate(id, { reason, recursive });
        io.out(`Asked for ${id} to be terminated${recursive ? " with its sub-orchestrations" : ""}.\n`);
        return 0;
      };
    }
    case "suspend":
    case "resume":
    case "rewind": {
      const id = idArgument();
      const past = { suspend: "suspended", resume: "resumed", rewind: "rewound" }[action];
      return async (client, _hub, io) => {
        await client[action](id, reason);
        io.out(`Asked for ${id} to be ${past}.\n`);
        return 0;
      };
    }
    case "restart": {
      const id = idArgument();
      return async (client, _hub, io) => {
        const newId = await client.restart(id, { restartWithNewInstanceId: flags["same-id"] !== true });
        io.out(`Restarted ${id} as ${newId}.\n`);
        return 0;
      };
    }
    case "purge":
      if (args.length > 0) {
        const id = idArgument();
        if (filterFlags().some((flag) => flags[flag] !== undefined))
          throw new UsageError(
            "give an instance ID or filters to 'taskhub instances purge', not both",
            COMMAND,
          );
        return async (client, _hub, io) => {
          if ((await client.getStatus(id, { showInput: false })) === undefined)
            return notFound(io, action, id);
          const { instancesDeleted } = await client.purgeInstanceHistory(id);
          io.out(`Purged ${instancesDeleted} instance${instancesDeleted === 1 ? "" : "s"}.\n`);
          return 0;
        };
      }
      return purgeRun(instanceFilterFlags(flags, tags));
  }
}

function notFound(io: Output, action: Action, id: string): number {
  io.err(`taskhub instances ${action}: no instance '${id}'.\n`);
  return 1;
}

function listRun(
  filter: InstanceFilterFlags,
  flags: Readonly<Record<string, string | boolean | undefined>>,
): Run {
  const sizeText = typeof flags["page-size"] === "string" ? flags["page-size"] : undefined;
  const pageSize = sizeText === undefined ? 100 : Number(sizeText);
  if (!/^\d+$/.test(sizeText ?? "1") || pageSize < 1 || pageSize > 1000)
    throw new UsageError(`--page-size must be an integer from 1 to 1000, got '${sizeText}'`, COMMAND);
  const all = flags["all"] === true;
  const first = typeof flags["continuation-token"] === "string" ? flags["continuation-token"] : undefined;
  if (all && first !== undefined)
    throw new UsageError("give --all or --continuation-token, not both", COMMAND);
  const json = flags["json"] === true;
  return async (client, _hub, io) => {
    let token = first;
    let count = 0;
    const collected: unknown[] = [];
    let header = true;
    do {
      const page = await client.listInstances({ ...filter, pageSize, continuationToken: token });
      token = page.continuationToken;
      count += page.instances.length;
      if (json) collected.push(...page.instances);
      else if (page.instances.length > 0) {
        const lines = instancesTable(page.instances);
        io.out(`${(header ? lines : lines.slice(1)).join("\n")}\n`);
        header = false;
      }
    } while (all && token !== undefined);
    if (json) {
      io.out(
        `${JSON.stringify({ instances: collected, ...(token !== undefined ? { continuationToken: token } : {}) }, null, 2)}\n`,
      );
      return 0;
    }
    if (count === 0) io.out("No instances match.\n");
    if (token !== undefined)
      io.err(
        `${count} shown; more may follow: add --all, or --continuation-token '${token}' for the next page.\n`,
      );
    return 0;
  };
}

function purgeRun(filter: InstanceFilterFlags): Run {
  if (Object.keys(filter).length === 0)
    throw new UsageError(
      "'taskhub instances purge' needs an instance ID or filters (e.g. --status Completed --created-before 2026-01-01)",
      COMMAND,
    );
  const active = (filter.runtimeStatus ?? []).filter((status) => !isTerminalStatus(status));
  if (active.length > 0)
    throw new UsageError(
      `only finished instances are purged; --status has ${active.join(", ")} (use ${TERMINAL_STATUSES.join(", ")})`,
      COMMAND,
    );
  return async (client, hub, io) => {
    const statuses = filter.runtimeStatus ?? TERMINAL_STATUSES;
    let purged = 0;
    let token: string | undefined;
    const progress = (final: boolean) => {
      const line = `purged ${purged} instance${purged === 1 ? "" : "s"}`;
      if (process.stderr.isTTY) io.err(`\r${line}${final ? "\n" : ""}`);
      else if (!final) io.err(`${line}...\n`);
    };
    do {
      // Pages of the listing (their position survives the deletion of the rows before it), each purged by ID.
      const page = await client.listInstanceIds({
        ...filter,
        runtimeStatus: statuses,
        pageSize: Math.min(PURGE_BATCH, 1000),
        continuationToken: token,
      });
      token = page.continuationToken;
      if (page.instanceIds.length > 0) {
        purged += await hub.purgeInstances({
          instanceIds: page.instanceIds,
          statuses: [...TERMINAL_STATUSES],
        });
        progress(false);
      }
    } while (token !== undefined);
    progress(true);
    io.out(`Purged ${purged} instance${purged === 1 ? "" : "s"}.\n`);
    return 0;
  };
}
