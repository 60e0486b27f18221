/**
 * Function and admin keys, stored hashed in a small JSON file (by default `keys.json` next to a SQLite hub), and the
 * secret that signs instance codes (see `instance-codes.ts`), which must be kept in clear to sign: the file is the
 * owner's only (0600).
 *
 * A key is 32 random bytes in base64url; only its SHA-256 is stored (a random 256-bit key needs no slow password
 * hash). Presented keys are hashed and compared with every stored hash using `crypto.timingSafeEqual`, without
 * stopping at the first match. The file's modification time is checked on every verification (one `stat`) and the
 * file re-read when it changed, so `taskhub keys create` / `revoke` take effect on a running host at once.
 * @module
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { InvalidArgumentError } from "../../core/errors.js";

/** What a key allows: `function` keys open function-level HTTP triggers; `admin` keys open everything. */
export type KeyScope = "function" | "admin";

/** A stored key, without its secret. */
export interface KeyInfo {
  readonly name: string;
  readonly scope: KeyScope;
  readonly createdAt: string;
}

interface StoredKey extends KeyInfo {
  /** `sha256:` + base64url of the SHA-256 of the key. */
  readonly hash: string;
}

interface KeyFile {
  readonly version: 1;
  readonly keys: readonly StoredKey[];
  /** The instance-code secret: 32 random bytes, base64url. Absent until a host with keys on first needs it. */
  readonly instanceCodeSecret?: string;
}

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** SHA-256 of a key, as stored. */
export function hashKey(key: string): Buffer {
  return createHash("sha256").update(key, "utf8").digest();
}

/** A new random key: 32 bytes, base64url (43 characters, safe in URLs). */
export function generateKey(): string {
  return randomBytes(32).toString("base64url");
}

/** Compares a presented key's hash with `expected` in constant time. */
export function hashesEqual(presented: Buffer, expected: Buffer): boolean {
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

/** The keys of one host, backed by a JSON file. */
export class KeyStore {
  #keys: StoredKey[] = [];
  #instanceCodeSecret: string | undefined;
  #signature = "";

  constructor(
    /** The JSON file holding the hashed keys. */
    readonly path: string,
  ) {
    this.#reload();
  }

  /** The stored keys (names and scopes, never secrets). */
  list(): KeyInfo[] {
    this.#reload();
    return this.#keys.map(({ name, scope, createdAt }) => ({ name, scope, createdAt }));
  }

  /** Creates a key and returns its secret, which is shown this once and never stored. */
  create(name: string, scope: KeyScope): { readonly info: KeyInfo; readonly key: string } {
    if (!NAME.test(name))
      throw new InvalidArgumentError(
        `Key name ${JSON.stringify(name)} is invalid: use 1-64 letters, digits, '_', '.' or '-'.`,
      );
    if (scope !== "function" && scope !== "admin")
      throw new InvalidArgumentError(`Key scope must be 'function' or 'admin'.`);
    this.#reload();
    if (this.#keys.some((k) => k.name === name))
      throw new InvalidArgumentError(`A key named '${name}' already exists; revoke it first.`);
    const key = generateKey();
    // eslint-disable-next-line no-restricted-syntax -- when an operator made a credential: wall-clock time, not the engine's
    const info: KeyInfo = { name, scope, createdAt: new Date().toISOString() };
    this.#write({
      keys: [...this.#keys, { ...info, hash: `sha256:${hashKey(key).toString("base64url")}` }],
    });
    return { info, key };
  }

  /** Removes a key; returns false when there was none with that name. */
  revoke(name: string): boolean {
    this.#reload();
    const rest = this.#keys.filter((k) => k.name !== name);
    if (rest.length === this.#keys.length) return false;
    this.#write({ keys: rest });
    return true;
  }

  /**
   * The instance-code secret, created (and stored) when the file has none yet. A running host reads it on every
   * check, so a rotation takes effect at once.
   * @throws when the file cannot be read or written.
   */
  instanceCodeSecret(): Buffer {
    try {
      this.#reload();
    } catch {
      // a half-written or damaged file: keep what was loaded last (as verify does)
    }
    if (this.#instanceCodeSecret === undefined) {
      this.#reload(); // a damaged file fails here rather than being overwritten
      if (this.#instanceCodeSecret === undefined) this.#write({ instanceCodeSecret: generateKey() });
    }
    return Buffer.from(this.#instanceCodeSecret!, "base64url");
  }

  /** Replaces the instance-code secret: every instance code handed out so far stops working. */
  rotateInstanceCodeSecret(): void {
    this.#reload();
    this.#write({ instanceCodeSecret: generateKey() });
  }

  /** The scope of `presented` when it is a stored key, else `undefined`. Constant time in the key's content. */
  verify(presented: string): KeyScope | undefined {
    try {
      this.#reload();
    } catch {
      // a half-written or damaged file: keep the keys loaded last
    }
    const hash = hashKey(presented);
    let scope: KeyScope | undefined;
    for (const stored of this.#keys) {
      const expected = Buffer.from(stored.hash.slice("sha256:".length), "base64url");
      if (hashesEqual(hash, expected) && scope !== "admin") scope = stored.scope;
    }
    return scope;
  }

  #reload(): void {
    let signature: string;
    try {
      signature = fileSignature(this.path);
    } catch {
      this.#keys = [];
      this.#instanceCodeSecret = undefined;
      this.#signature = "";
      return;
    }
    if (signature === this.#signature) return;
    const parsed = JSON.parse(readFileSync(this.path, "utf8")) as Partial<KeyFile>;
    if (parsed.version !== 1 || !Array.isArray(parsed.keys))
      throw new InvalidArgumentError(`Key file '${this.path}' is not a Taskhub key file (version 1).`);
    this.#instanceCodeSecret =
      typeof parsed.instanceCodeSecret === "string" && parsed.instanceCodeSecret !== ""
        ? parsed.instanceCodeSecret
        : undefined;
    this.#keys = parsed.keys.filter(
      (k): k is StoredKey =>
        typeof k?.name === "string" &&
        (k.scope === "function" || k.scope === "admin") &&
        typeof k.hash === "string",
    );
    this.#signature = signature;
  }

  /** Writes the file with `change` applied to what was loaded (the keys, the instance-code secret). */
  #write(change: { readonly keys?: StoredKey[]; readonly instanceCodeSecret?: string }): void {
    // Owner only (directory 0700, file 0600), or tighter when the user made the file so.
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    const keys = change.keys ?? this.#keys;
    const instanceCodeSecret = change.instanceCodeSecret ?? this.#instanceCodeSecret;
    const file: KeyFile = { version: 1, keys, ...(instanceCodeSecret ? { instanceCodeSecret } : {}) };
    const temp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify(file, null, 2)}\n`, {
      mode: 0o600 & existingMode(this.path, 0o600),
    });
    renameSync(temp, this.path);
    this.#keys = keys;
    this.#instanceCodeSecret = instanceCodeSecret;
    this.#signature = fileSignature(this.path);
  }
}

/** The permission bits of `path`, or `fallback` when it does not exist. */
function existingMode(path: string, fallback: number): number {
  try {
    return statSync(path).mode & 0o777;
  } catch {
    return fallback;
  }
}

/** Inode, size and modification time: changes on every rewrite (writes go through a rename). */
function fileSignature(path: string): string {
  const stat = statSync(path);
  return `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
}
