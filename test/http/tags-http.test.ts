/**
 * Tags and the name filter end to end, through a real host on a SQLite hub: `startNew({ tags })`, tags in the
 * client's status and the management API's status JSON, kept by continue-as-new and restart, `listInstances` /
 * `listInstanceIds` filtered by tags and name with paging, `GET /instances?tags=` and `?name=`, and bad tags refused
 * (a clear `InvalidArgumentError` from the client, a 400 from the API).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DurableApp } from "../../src/index.js";
import { startTestHost } from "./http-test-host.js";

const BASE = "/runtime/webhooks/durabletask";

function taggedApp(): DurableApp {
  const app = new DurableApp();
  app.orchestration("Count", async (ctx, n: number) => {
    if (n < 3) ctx.continueAsNew(n + 1);
    return n;
  });
  app.orchestration("Echo", async (_ctx, value: string) => value);
  return app;
}

describe("tags", () => {
  it("are stored, shown, kept by continue-as-new and restart, and filter listings", async () => {
    const host = await startTestHost(taggedApp());
    const { client } = host;
    try {
      const acme = { tenant: "acme", region: "eu" };
      const counted = await client.startNew("Count", { input: 0, tags: acme });
      const done = await client.waitForCompletion(counted);
      assert.equal(done.runtimeStatus, "Completed");
      assert.equal(done.output, 3, "continued as new three times");
      assert.deepEqual(done.tags, acme, "kept by continue-as-new");
      const restarted = await client.restart(counted);
      assert.deepEqual((await client.waitForCompletion(restarted)).tags, acme, "kept by restart");

      const echoes: string[] = [];
      for (let i = 0; i < 5; i++)
        echoes.push(
          await client.startNew("Echo", { input: `e${i}`, tags: { tenant: i < 3 ? "acme" : "globex" } }),
        );
      const plain = await client.startNew("Echo", { input: "none" });
      for (const id of [...echoes, plain]) await client.waitForCompletion(id);
      assert.equal((await client.getStatus(plain))?.tags, undefined);

      const all: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await client.listInstanceIds({
          tags: { tenant: "acme" },
          pageSize: 2,
          continuationToken: token,
        });
        assert.ok(page.instanceIds.length <= 2);
        all.push(...page.instanceIds);
        token = page.continuationToken;
        pages++;
      } while (token !== undefined && pages < 20);
      assert.deepEqual(new Set(all), new Set([counted, restarted, ...echoes.slice(0, 3)]));
      assert.equal(all.length, 5, "no duplicates across pages");
      const named = await client.listInstanceIds({ name: "Echo", tags: { tenant: "acme" } });
      assert.deepEqual(new Set(named.instanceIds), new Set(echoes.slice(0, 3)));
      const listed = await client.listInstances({ name: "Count", tags: acme });
      assert.ok(listed.instances.every((s) => JSON.stringify(s.tags) === JSON.stringify(acme)));
      assert.deepEqual(new Set(listed.instances.map((s) => s.instanceId)), new Set([counted, restarted]));

      // The management API: tags in the status JSON, ?tags= (a JSON object) and ?name= filters.
      const status = (await (await host.fetch(`${BASE}/instances/${counted}`)).json()) as Record<
        string,
        unknown
      >;
      assert.deepEqual(status.tags, acme);
      const plainStatus = (await (await host.fetch(`${BASE}/instances/${plain}`)).json()) as Record<
        string,
        unknown
      >;
      assert.equal("tags" in plainStatus, false, "no tags: no field");
      const query = encodeURIComponent(JSON.stringify({ tenant: "globex" }));
      const filtered = (await (await host.fetch(`${BASE}/instances?tags=${query}&name=Echo`)).json()) as {
        instanceId: string;
        tags: unknown;
      }[];
      assert.deepEqual(new Set(filtered.map((s) => s.instanceId)), new Set(echoes.slice(3)));
      assert.ok(filtered.every((s) => JSON.stringify(s.tags) === '{"tenant":"globex"}'));
      for (const bad of ["not-json", "[1]", encodeURIComponent('{"tenant":1}')]) {
        const response = await host.fetch(`${BASE}/instances?tags=${bad}`);
        assert.equal(response.status, 400, bad);
        const body = (await response.json()) as { message?: string };
        assert.match(JSON.stringify(body), /tags/);
      }

      // Bad tags at start: a clear InvalidArgumentError, nothing created.
      for (const tags of [
        { tenant: 1 },
        ["acme"],
        { "": "x" },
        { k: "v".repeat(1025) },
        Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, "v"])),
      ])
        await assert.rejects(
          client.startNew("Echo", { input: "x", instanceId: "bad-tags", tags: tags as never }),
          (error: Error) => error.name === "InvalidArgumentError" && /tags/.test(error.message),
        );
      assert.equal(await client.getStatus("bad-tags"), undefined);
    } finally {
      await host.close();
    }
  });
});
