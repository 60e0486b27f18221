/**
 * The dashboard's static files: its own modules and style sheet from the package's `dashboard/` folder, and the ES
 * modules of Preact and htm from their installed packages (resolved from this module, so an installed Taskhub serves
 * them offline: no CDN). The page is `dashboard/index.html` with an import map naming those modules and a
 * Content-Security-Policy that allows this origin's scripts only (and the import map, by its hash).
 * @module
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { HttpError } from "../http-error.js";

/** The dashboard's base path. */
export const DASHBOARD_PATH = "/dashboard";

/** The package's `dashboard/` folder (this module is `src/http/dashboard/` or `dist/http/dashboard/`). */
const ASSET_DIR = fileURLToPath(new URL("../../../dashboard/", import.meta.url));

const require = createRequire(import.meta.url);

/** The third-party ES modules served under `/dashboard/vendor/`, by file name, and the specifier each stands for. */
const VENDOR: Readonly<Record<string, { readonly specifier: string; readonly resolve: string }>> = {
  "preact.mjs": { specifier: "preact", resolve: "preact" },
  "preact-hooks.mjs": { specifier: "preact/hooks", resolve: "preact/hooks" },
  "htm.mjs": { specifier: "htm", resolve: "htm" },
};

const TYPES: Readonly<Record<string, string>> = {
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".html": "text/html; charset=utf-8",
  ".svg": "image/svg+xml",
};

/**
 * The ES module file of an installed package: its `exports` entry for `import` (`module` or `.mjs` builds), found
 * from the CommonJS entry `require.resolve` gives (both sit in the same `dist` folder).
 */
function vendorFile(specifier: string): string {
  const main = require.resolve(specifier);
  const base = main.replace(/\.(c?js|umd\.js)$/, "");
  for (const candidate of [`${base}.mjs`, `${base}.module.js`]) if (existsSync(candidate)) return candidate;
  return main;
}

/** The import map of the page: each vendor specifier to its served file. */
function importMap(): string {
  const imports = Object.fromEntries(
    Object.entries(VENDOR).map(([file, { specifier }]) => [specifier, `${DASHBOARD_PATH}/vendor/${file}`]),
  );
  return JSON.stringify({ imports });
}

/** Serves the dashboard's static files (no credentials needed: they hold no data; the data routes check them). */
export class DashboardAssets {
  #page: { readonly html: string; readonly csp: string } | undefined;

  /**
   * The response for the path segments after `dashboard` (`[]` and `[""]`: the page).
   * @throws HttpError 404 for a file that does not exist.
   */
  async serve(rest: readonly string[]): Promise<Response> {
    if (rest.length === 0 || (rest.length === 1 && rest[0] === "")) return this.#pageResponse();
    if (rest[0] === "vendor" && rest.length === 2) {
      const vendor = VENDOR[rest[1]!];
      if (!vendor) throw notFound();
      return fileResponse(vendorFile(vendor.resolve), ".mjs");
    }
    if (rest[0] !== "assets" || rest.length < 2) throw notFound();
    const relative = normalize(rest.slice(1).map(decode).join(sep));
    if (relative.startsWith("..") || relative.includes(`${sep}..`) || relative.startsWith(sep))
      throw notFound();
    const path = join(ASSET_DIR, relative);
    if (!path.startsWith(ASSET_DIR) || path.endsWith("index.html")) throw notFound();
    return fileResponse(path, extname(path));
  }

  async #pageResponse(): Promise<Response> {
    this.#page ??= await loadPage();
    return new Response(this.#page.html, {
      status: 200,
      headers: {
        "content-type": TYPES[".html"]!,
        "cache-control": "no-store",
        "content-security-policy": this.#page.csp,
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
        "x-frame-options": "DENY",
      },
    });
  }
}

async function loadPage(): Promise<{ html: string; csp: string }> {
  const map = importMap();
  const template = await readFile(join(ASSET_DIR, "index.html"), "utf8");
  const html = template.replace("<!--IMPORTMAP-->", `<script type="importmap">${map}</script>`);
  const hash = createHash("sha256").update(map).digest("base64");
  const csp = [
    "default-src 'self'",
    `script-src 'self' 'sha256-${hash}'`,
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
  return { html, csp };
}

async function fileResponse(path: string, extension: string): Promise<Response> {
  const type = TYPES[extension];
  if (!type) throw notFound();
  let body: Buffer;
  try {
    body = await readFile(path);
  } catch {
    throw notFound();
  }
  return new Response(new Uint8Array(body), {
    status: 200,
    headers: { "content-type": type, "cache-control": "no-cache", "x-content-type-options": "nosniff" },
  });
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw notFound();
  }
}

function notFound(): HttpError {
  return new HttpError(404, "not_found", "No dashboard file has this path.");
}
