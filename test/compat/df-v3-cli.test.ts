/**
 * `taskhub start` runs a Durable Functions v3 app module (one that only registers with `df.app` and exports
 * nothing), as a real child process on a SQLite file; an instance started over the HTTP API runs the DF orchestrator.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, it } from "node:test";
import { removeTempDirs, startServing, tempDir } from "../support/cli-process.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
after(() => removeTempDirs());

it("serves examples/df-v3 and runs its HelloSequence over the HTTP API", async () => {
  const hub = join(tempDir(), "hub.db");
  // From the repository root, so that tsx maps taskhub/durable-functions to src/ (tsconfig.json paths).
  const child = await startServing(
    ["examples/df-v3/index.ts", "--port", "0", "--host", "127.0.0.1", "--hub", hub, "--local-dev"],
    ROOT,
  );
  try {
    const response = await fetch(
      `${child.url}/runtime/webhooks/durabletask/orchestrators/HelloSequence?timeout=20&pollingInterval=1`,
      { method: "POST" },
    );
    const text = await response.text();
    assert.equal(response.status, 200, text);
    assert.match(text, /Hello, Tokyo!.*Hello, Seattle!.*Hello, Cairo!/s);
  } finally {
    child.process.kill("SIGTERM");
    assert.equal(await child.exited, 0, child.output());
  }
});
