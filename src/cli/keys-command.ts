/**
 * `taskhub keys create|list|revoke`: manages the hashed keys of a host. A new key is printed once, on stdout; it is
 * never stored in clear nor logged.
 * @module
 */
import { KeyStore } from "../http/auth/key-store.js";
import type { HostConfig } from "../host/config.js";

/** Runs a `keys` subcommand; returns the exit code. */
export function runKeysCommand(
  positionals: readonly string[],
  flags: Readonly<Record<string, string | boolean | undefined>>,
  config: HostConfig,
): number {
  const [action, argument, ...extra] = positionals;
  const store = new KeyStore(config.keysFile);
  const usage = (message: string): number => {
    process.stderr.write(`taskhub keys: ${message}\n`);
    return 2;
  };
  if (extra.length > 0) return usage(`unexpected arguments: ${extra.join(" ")}`);
  switch (action) {
    case "create": {
      const name = (flags.name as string | undefined) ?? argument ?? (flags.admin ? "admin" : "default");
      const scope = flags.admin ? "admin" : "function";
      const { info, key } = store.create(name, scope);
      process.stderr.write(
        `Created ${info.scope} key '${info.name}' in ${store.path}. It is shown only this once:\n`,
      );
      process.stdout.write(`${key}\n`);
      return 0;
    }
    case "list": {
      const keys = store.list();
      if (keys.length === 0) process.stderr.write(`No keys in ${store.path}.\n`);
      for (const key of keys) process.stdout.write(`${key.name}\t${key.scope}\t${key.createdAt}\n`);
      return 0;
    }
    case "revoke": {
      const name = (flags.name as string | undefined) ?? argument;
      if (!name) return usage("revoke needs the key's name (taskhub keys revoke <name>).");
      if (!store.revoke(name)) {
        process.stderr.write(`taskhub keys: no key named '${name}' in ${store.path}.\n`);
        return 1;
      }
      process.stderr.write(`Revoked key '${name}'.\n`);
      return 0;
    }
    default:
      return usage(`unknown action '${action ?? ""}'; use create, list or revoke.`);
  }
}
