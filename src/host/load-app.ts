/**
 * Loading the user's app module: a TypeScript or JavaScript file whose default export (or `app` export) is a
 * `DurableApp`. TypeScript runs without a build step because the CLI runs under tsx.
 * @module
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { DurableApp } from "../app/durable-app.js";
import { describeLoadError } from "./load-error.js";

/**
 * The app module could not be loaded or does not export an app. The message says why in the user's terms (a syntax
 * error as `file:line:col: message`, a throw as its message and the user's stack frames); `cause` is the original.
 */
export class AppLoadError extends Error {
  override readonly name = "AppLoadError";
}

/** True when `value` looks like a `DurableApp` (duck-typed: a second copy of the package may have made it). */
export function isDurableApp(value: unknown): value is DurableApp {
  const registry = (
    value as { registry?: { orchestrations?: { get?: unknown }; httpTriggers?: unknown } } | null
  )?.registry;
  return typeof registry?.orchestrations?.get === "function" && registry.httpTriggers !== undefined;
}

/** Where `taskhub/durable-functions` keeps the process-wide app its `df.app` registers on. */
const DF_V3_APP = Symbol.for("taskhub.durable-functions.app");

/** Imports `modulePath` (relative to `cwd`) and returns its app. */
export async function loadApp(modulePath: string, cwd = process.cwd()): Promise<DurableApp> {
  const path = resolve(cwd, modulePath);
  if (!existsSync(path)) throw new AppLoadError(`App module ${path} does not exist.`);
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    throw new AppLoadError(describeLoadError(error, path), { cause: error });
  }
  const exported = isDurableApp(module.default) ? module.default : module.app;
  // A Durable Functions v3 app (taskhub/durable-functions) exports nothing: its functions are on the process-wide
  // app that `df.app` registers on, found under this global symbol.
  const candidate = isDurableApp(exported) ? exported : (globalThis as Record<symbol, unknown>)[DF_V3_APP];
  if (!isDurableApp(candidate))
    throw new AppLoadError(
      `App module ${path} must export its DurableApp as the default export (export default app) or as 'app' ` +
        "(or register Durable Functions v3 functions with df.app from taskhub/durable-functions).",
    );
  return candidate;
}
