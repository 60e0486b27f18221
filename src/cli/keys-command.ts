/**
 * `taskhub keys create|list|revoke|rotate-instance-codes`: manages the hashed keys of a host and the secret of its
 * instance codes. A new key is printed once, on stdout; it is never stored in clear nor logged.
 * @module
 */
import { KeyStore } from "../http/auth/key-store.js";
import type { HostConfig } from "../host/config.js";
import { UsageError } from "./usage-error.js";

/** Runs a `keys` subcommand; returns the exit code (a wrong command line is a {@link UsageError}). */
export function runKeysCommand(
  positionals: readonly string[],
  flags: Readonly<Record<string, string | boolean | undefined>>,
  config: HostConfig,
): number {
  const [action, argument, ...extra] = positionals;
  const store = new KeyStore(config.keysFile);
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`, "keys");
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
      if (!name) throw new UsageError("'taskhub keys revoke' needs the key's name", "keys");
      if (!store.revoke(name)) {
        process.stderr.write(`taskhub keys: no key named '${name}' in ${store.path}.\n`);
        return 1;
      }
      process.stderr.write(`Revoked key '${name}'.\n`);
      return 0;
    }
    case "rotate-instance-codes": {
      if (argument !== undefined) throw new UsageError(`unexpected argument '${argument}'`, "keys");
      store.rotateInstanceCodeSecret();
      process.stderr.write(
        `Rotated the instance-code secret in ${store.path}: every status link handed out so far stops working ` +
          "(running hosts see it at once).\n",
      );
      return 0;
    }
    case undefined:
      throw new UsageError(
        "'taskhub keys' needs an action: create, list, revoke or rotate-instance-codes",
        "keys",
      );
    default:
      throw new UsageError(
        `unknown action '${action}' (use create, list, revoke or rotate-instance-codes)`,
        "keys",
      );
  }
}
