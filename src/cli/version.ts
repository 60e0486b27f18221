/**
 * The package's version, for `taskhub --version`.
 * @module
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * The version in this package's `package.json`, read at run time. The package root is two levels up from this module,
 * whether it runs from `src/cli/` (development) or `dist/cli/` (an installed package).
 */
export function packageVersion(): string {
  const path = fileURLToPath(new URL("../../package.json", import.meta.url));
  const manifest = JSON.parse(readFileSync(path, "utf8")) as { version?: unknown };
  if (typeof manifest.version !== "string") throw new Error(`${path} has no version.`);
  return manifest.version;
}
