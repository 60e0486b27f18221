/**
 * A host that cannot listen says why in one line naming the setting to change (`--port`, `--host`), instead of a raw
 * `EADDRINUSE` stack: a port really in use, an address that is not this machine's.
 */
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { after, describe, it } from "node:test";
import { removeTempDirs, runCli, tempDir } from "../support/cli-process.js";

const APP = fileURLToPath(new URL("../http/cli-app.ts", import.meta.url));
after(removeTempDirs);

describe("taskhub start cannot listen", () => {
  it("says the port is in use and names --port", async () => {
    const occupant = createServer();
    await new Promise<void>((resolve) => occupant.listen(0, "127.0.0.1", resolve));
    const port = (occupant.address() as { port: number }).port;
    try {
      const result = runCli(
        ["start", APP, "--port", String(port), "--host", "127.0.0.1", "--hub", ":memory:", "--local-dev"],
        tempDir(),
      );
      assert.equal(result.status, 1);
      assert.equal(
        result.stderr,
        `taskhub: Cannot listen on 127.0.0.1:${port}: port ${port} is already in use; stop the process using it ` +
          "or choose another port with --port (or TASKHUB_PORT).\n",
      );
    } finally {
      await new Promise((resolve) => occupant.close(resolve));
    }
  });

  it("says the host is not an address of this machine and names --host", () => {
    // 192.0.2.0/24 is reserved for documentation (RFC 5737): never a local address.
    const result = runCli(
      ["start", APP, "--port", "0", "--host", "192.0.2.1", "--hub", ":memory:"],
      tempDir(),
    );
    assert.equal(result.status, 1);
    assert.equal(
      result.stderr,
      "taskhub: Cannot listen on 192.0.2.1:0: 192.0.2.1 is not an address of this machine; check --host.\n",
    );
  });
});
