/**
 * `npm run docs`: the API reference generated from the TSDoc comments (TypeDoc, `typedoc.json`), here into a
 * temporary folder. TypeDoc treats warnings as errors, so a broken `{@link}` fails this test.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, it } from "node:test";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const out = mkdtempSync(join(tmpdir(), "taskhub-docs-"));
after(() => rmSync(out, { recursive: true, force: true }));

it("generates the API reference of taskhub and taskhub/testing from the TSDoc comments", () => {
  const result = spawnSync("npm", ["run", "docs", "--", "--out", out], { cwd: ROOT, encoding: "utf8" });
  assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
  assert.ok(existsSync(join(out, "index.html")));
  const pages = readdirSync(out, { recursive: true }).map(String);
  const durableApp = pages.find((p) => /classes[/\\]index\.DurableApp\.html$/.test(p));
  assert.ok(durableApp, `a page for DurableApp among ${pages.length} pages`);
  assert.match(readFileSync(join(out, durableApp), "utf8"), /A durable app: a registry of orchestrations/);
  assert.ok(
    pages.some((p) => /testing\.HistoryBuilder\.html$/.test(p)),
    "a page for taskhub/testing's HistoryBuilder",
  );
});
