/**
 * Task hub locations as configured (`--hub`, `TASKHUB_HUB`, `hub` in the config file): a PostgreSQL URL
 * (`postgres://` or `postgresql://`), `:memory:`, a `file://` URL, or a SQLite file path. Anything else that starts
 * with a URL scheme (`mysql://...`, `sqlite:...`, `file:hub.db`) is refused instead of becoming a file of that name.
 * @module
 */
import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { InvalidArgumentError } from "../core/errors.js";

const POSTGRES_URL = /^postgres(ql)?:\/\//i;
/** A URL scheme: two characters at least, so that a Windows drive (`C:\hubs\hub.db`) stays a path. */
const SCHEME = /^([a-z][a-z0-9+.-]+):/i;

/** True for a `postgres://` or `postgresql://` URL. */
export function isPostgresUrl(location: string): boolean {
  return POSTGRES_URL.test(location);
}

/** True for a location that is no file: a PostgreSQL URL or `:memory:`. */
export function isUrlOrMemory(location: string): boolean {
  return location === ":memory:" || isPostgresUrl(location);
}

/**
 * The hub at `location` in the form the hubs open: PostgreSQL URLs and `:memory:` as they are, `file://` URLs and
 * paths as absolute paths (relative ones against `cwd`).
 * @throws InvalidArgumentError for another scheme, or a `file:` URL that is not a local absolute one.
 */
export function resolveHubLocation(location: string, cwd = process.cwd()): string {
  if (isUrlOrMemory(location)) return location;
  const scheme = SCHEME.exec(location)?.[1]?.toLowerCase();
  if (scheme === "file" && location.startsWith("file://")) {
    try {
      return fileURLToPath(location);
    } catch (error) {
      throw new InvalidArgumentError(`'${location}' is not a local file URL: ${(error as Error).message}`);
    }
  }
  if (scheme !== undefined)
    throw new InvalidArgumentError(
      `'${location}' has an unsupported scheme '${scheme}:'; a task hub is a SQLite file path, :memory:, a ` +
        `file:// URL, or a postgres:// or postgresql:// URL.`,
    );
  return isAbsolute(location) ? location : resolve(cwd, location);
}
