/**
 * The dashboard in a real browser: headless Chromium (Debian's, driven by playwright-core) against a real host (real
 * HTTP, a SQLite hub file): sign-in required when not in local-dev mode (the key never in a URL), list filters, a
 * failed instance's failure and timeline, raising an event that completes a waiting instance, terminating a running
 * one, and no sign-in in local-dev mode. Fails (never skips) when Chromium cannot be started: set CHROMIUM_PATH if it
 * is not /usr/bin/chromium. With TASKHUB_DASHBOARD_SCREENSHOTS=<dir>, saves screenshots of the main pages there.
 */
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { chromium, type Browser, type Page } from "playwright-core";
import { KeyStore } from "../../src/http/auth/key-store.js";
import { startTestHost, type TestHost } from "../http/http-test-host.js";
import { removeTempDirs, tempDir } from "../support/cli-process.js";
import { eventually } from "../support/test-host.js";
import { dashboardApp } from "./dashboard-app.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SCREENSHOTS = process.env.TASKHUB_DASHBOARD_SCREENSHOTS;

/** Starts headless Chromium; a clear failure (not a skip) when it cannot be started. */
async function launch(): Promise<Browser> {
  try {
    return await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
  } catch (error) {
    throw new Error(
      `Cannot start Chromium at ${CHROMIUM} for the dashboard's browser test (install it: apt-get install chromium, ` +
        `or set CHROMIUM_PATH): ${(error as Error).message}`,
      { cause: error },
    );
  }
}

async function shot(page: Page, name: string): Promise<void> {
  if (!SCREENSHOTS) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `dashboard-${name}.png`), fullPage: true });
}

describe("dashboard in a browser", () => {
  let browser: Browser;
  let host: TestHost;
  let key: string;
  const dir = tempDir("taskhub-dashboard-browser-");
  before(async () => {
    browser = await launch();
    key = new KeyStore(join(dir, "keys.json")).create("ops", "admin").key;
    host = await startTestHost(dashboardApp(), {
      dir,
      flags: { hub: join(dir, "hub.db"), "local-dev": false },
    });
    for (let i = 0; i < 8; i++)
      await host.client.startNew("ProcessOrder", {
        instanceId: `order-${i}`,
        input: { id: `o${i}`, amount: i === 4 ? 5000 : 10 * i + 5, items: ["book", "pen", "ink"] },
      });
    for (const who of ["Ada", "Grace"])
      await host.client.startNew("AwaitApproval", { instanceId: `approval-${who}`, input: { who } });
    await host.client.signalEntity("Counter", "visits", "add", 42);
    for (let i = 0; i < 8; i++) await host.client.waitForCompletion(`order-${i}`, { timeoutMs: 30_000 });
  });
  after(async () => {
    await browser?.close();
    await host?.close();
    removeTempDirs();
  });

  async function signedIn(width = 1280): Promise<Page> {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${host.url}/dashboard/`);
    await page.getByRole("textbox", { name: "Admin key" }).fill(key);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Instances" }).waitFor();
    return page;
  }

  it("asks for credentials when not in local-dev mode, refuses a wrong key, keeps the key out of URLs", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const requested: string[] = [];
    page.on("request", (r) => requested.push(r.url()));
    await page.goto(`${host.url}/dashboard/`);
    await page.getByRole("heading", { name: "Sign in to the Taskhub dashboard" }).waitFor();
    await shot(page, "sign-in");
    await page.getByRole("textbox", { name: "Admin key" }).fill("not-a-key");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").filter({ hasText: "not valid" }).waitFor();
    await page.getByRole("textbox", { name: "Admin key" }).fill(key);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Instances" }).waitFor();
    await page.getByRole("link", { name: "order-3", exact: true }).waitFor();
    assert.ok(requested.length > 3);
    assert.ok(
      requested.every((url) => !url.includes(key)),
      "the key is never in a URL",
    );
    assert.equal(await page.evaluate("sessionStorage.length"), 1);
    assert.ok(!host.log.lines.some((line) => JSON.stringify(line).includes(key)), "nor in the host's log");
    await context.close();
  });

  it("filters the list by status, name and ID prefix, with counts by status", async () => {
    const page = await signedIn();
    await page.getByRole("link", { name: "approval-Ada", exact: true }).waitFor();
    await shot(page, "instances");
    const ids = async () =>
      (await page.locator("table.instances tbody td.id a").allTextContents()).map((t) => t.trim()).sort();
    await page.getByLabel("Status", { exact: true }).selectOption("Failed");
    await page.getByRole("button", { name: "Apply" }).click();
    await eventually(async () => (await ids()).length === 1);
    assert.deepEqual(await ids(), ["order-4"]);
    assert.match(page.url(), /#\/instances\?status=Failed/);
    await page.getByRole("button", { name: "Clear" }).click();
    await page.getByLabel("Name").fill("AwaitApproval");
    await page.getByRole("button", { name: "Apply" }).click();
    await eventually(async () => (await ids()).length === 2);
    assert.deepEqual(await ids(), ["approval-Ada", "approval-Grace"]);
    await page.getByRole("button", { name: "Clear" }).click();
    await page.getByLabel("ID prefix").fill("order-1");
    await page.getByRole("button", { name: "Apply" }).click();
    // order-1 and its PackOrder child order-1:0002.
    await eventually(async () => (await ids()).every((id) => id.startsWith("order-1")));
    assert.ok((await ids()).includes("order-1"));
    const counts = page.getByRole("list", { name: "Instances by status" });
    await counts.getByText("Failed").waitFor();
    await page.getByRole("button", { name: "Clear" }).click();
    await page.getByLabel("Custom status contains").fill("from Grace");
    await page.getByRole("button", { name: "Apply" }).click();
    await eventually(async () => (await ids()).length === 1);
    assert.deepEqual(await ids(), ["approval-Grace"]);
    await page.context().close();
  });

  it("opens a failed instance: its failure with the cause chain, and a timeline with red and retried bars", async () => {
    const page = await signedIn();
    await page.getByLabel("Status", { exact: true }).selectOption("Failed");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.getByRole("link", { name: "order-4", exact: true }).click();
    await page.getByRole("heading", { name: "Failure" }).waitFor();
    const failure = page.locator("section.failure");
    assert.match(await failure.innerText(), /Caused by RangeError: amount 5000 over the limit 1000/);
    await failure.getByText("Stack trace").first().waitFor();
    const timeline = page.locator(".timeline svg");
    await timeline.first().waitFor();
    assert.ok((await page.locator(".timeline rect.bar.failed").count()) >= 2, "the failed attempt and Ship");
    // ChargeCard failed once and was retried: two bars on its row.
    const chargeRow = page.locator(".timeline g.row", { hasText: "ChargeCard" });
    assert.equal(await chargeRow.locator("rect.bar").count(), 2);
    assert.equal(await chargeRow.locator("rect.bar.failed").count(), 1);
    await shot(page, "failed-instance");
    await page.getByRole("tab", { name: "Table" }).click();
    await page.locator("table.history").getByRole("cell", { name: "TaskFailed" }).first().waitFor();
    await shot(page, "history-table");
    await page
      .getByRole("link", { name: /PackOrder order-4:/ })
      .first()
      .click();
    await page.getByRole("link", { name: "order-4", exact: true }).waitFor(); // the parent link
    await page.context().close();
  });

  it("raises an event that completes a waiting instance, after a confirmation", async () => {
    const page = await signedIn();
    await page.goto(`${host.url}/dashboard/#/instance/approval-Ada`);
    await page.getByRole("heading", { name: /Running AwaitApproval/ }).waitFor();
    await page.getByRole("button", { name: "Raise an event" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Event name").fill("Approval");
    await dialog.getByLabel("Data (JSON)").fill("{not json");
    await dialog.getByRole("button", { name: "Raise an event" }).click();
    await dialog.getByRole("alert").filter({ hasText: "not valid JSON" }).waitFor();
    await dialog.getByLabel("Data (JSON)").fill('{"approved": true, "by": "Lin"}');
    await shot(page, "raise-event");
    await dialog.getByRole("button", { name: "Raise an event" }).click();
    await page.getByRole("heading", { name: /Completed AwaitApproval/ }).waitFor({ timeout: 30_000 });
    const status = await host.client.getStatus("approval-Ada");
    assert.deepEqual(status?.output, { approved: true, by: "Lin" });
    await page.context().close();
  });

  it("terminates a running instance with a reason; an API error is shown", async () => {
    const page = await signedIn(390); // a phone's width
    await page.goto(`${host.url}/dashboard/#/instance/approval-Grace`);
    await page.getByRole("heading", { name: /Running AwaitApproval/ }).waitFor();
    await shot(page, "phone");
    await page.getByRole("button", { name: "Terminate" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Reason (optional)").fill("customer cancelled");
    await dialog.getByRole("button", { name: "Terminate" }).click();
    await page.getByRole("heading", { name: /Terminated AwaitApproval/ }).waitFor({ timeout: 30_000 });
    const status = await host.client.getStatus("approval-Grace");
    assert.equal(status?.runtimeStatus, "Terminated");
    // Purging a finished instance works; a second purge of it is the API's 404, shown.
    await page.getByRole("button", { name: "Purge" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Purge" }).click();
    await page.getByRole("heading", { name: "Instances" }).waitFor();
    assert.equal(await host.client.getStatus("approval-Grace"), undefined);
    await page.goto(`${host.url}/dashboard/#/instance/approval-Grace`);
    await page.getByRole("alert").filter({ hasText: "404" }).waitFor();
    await page.context().close();
  });

  it("suspends and resumes one instance; terminates, then purges, a selection", async () => {
    for (const n of [1, 2, 3])
      await host.client.startNew("AwaitApproval", { instanceId: `bulk-${n}`, input: { who: `Bulk ${n}` } });
    const page = await signedIn();
    await page.goto(`${host.url}/dashboard/#/instance/bulk-3`);
    await page.getByRole("heading", { name: /Running AwaitApproval/ }).waitFor();
    await page.getByRole("button", { name: "Suspend" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Suspend" }).click();
    await page.getByRole("heading", { name: /Suspended AwaitApproval/ }).waitFor({ timeout: 30_000 });
    await page.getByRole("button", { name: "Resume" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Resume" }).click();
    await page.getByRole("heading", { name: /Running AwaitApproval/ }).waitFor({ timeout: 30_000 });
    await page.goto(`${host.url}/dashboard/#/instances?prefix=bulk-`);
    const select = (id: string) => page.getByRole("checkbox", { name: `Select ${id}` });
    await select("bulk-1").check();
    await select("bulk-2").check();
    await page.getByRole("button", { name: "Terminate selected" }).click();
    await page.getByRole("dialog").getByLabel("Reason (optional)").fill("cleanup");
    await page.getByRole("dialog").getByRole("button", { name: "Terminate all" }).click();
    await page.getByRole("status").filter({ hasText: "2 of 2 terminated." }).waitFor({ timeout: 30_000 });
    await eventually(async () => {
      const statuses = await Promise.all(["bulk-1", "bulk-2"].map((id) => host.client.getStatus(id)));
      return statuses.every((s) => s?.runtimeStatus === "Terminated");
    }, 30_000);
    assert.equal((await host.client.getStatus("bulk-3"))?.runtimeStatus, "Running");
    // A purge of all three: the two finished ones go, the running one is refused and the refusal shown.
    await page.getByRole("button", { name: "Refresh", exact: true }).click();
    await eventually(async () => (await page.locator("span.status-terminated").count()) === 2);
    await page.getByRole("checkbox", { name: "Select all shown" }).check();
    await page.getByRole("button", { name: "Purge selected" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Purge all" }).click();
    const result = page.getByRole("status").filter({ hasText: "2 of 3 purged." });
    await result.waitFor({ timeout: 30_000 });
    assert.match(await result.innerText(), /bulk-3: 412 /);
    assert.equal(await host.client.getStatus("bulk-1"), undefined);
    assert.equal((await host.client.getStatus("bulk-3"))?.runtimeStatus, "Running");
    await page.context().close();
  });

  it("shows entities and stats", async () => {
    const page = await signedIn();
    await page.getByRole("link", { name: "Entities" }).click();
    await page.getByRole("cell", { name: "visits" }).waitFor();
    assert.match(await page.locator("table tbody").innerText(), /counter\s+visits[\s\S]*not locked[\s\S]*42/);
    await shot(page, "entities");
    await page.getByRole("link", { name: "Stats" }).click();
    await page.getByText("Orchestrations finished").waitFor();
    await page.getByRole("heading", { name: "Slowest activities" }).waitFor();
    assert.ok((await page.locator(".chart rect.bar").count()) > 0);
    await shot(page, "stats");
    await page.context().close();
  });

  it("renders a history of 10,000 events: the timeline draws only the rows in view, the table one page", async () => {
    const id = await host.client.startNew("FanOut", { instanceId: "fan-out-5000", input: 5000 });
    await host.client.waitForCompletion(id, { timeoutMs: 120_000 });
    const events = (await host.client.getStatus(id, { showHistory: true }))?.history?.length ?? 0;
    assert.ok(events >= 10_000, `${events} events`);
    const page = await signedIn();
    await page.goto(`${host.url}/dashboard/#/instance/fan-out-5000`);
    await page.getByRole("heading", { name: /Completed FanOut/ }).waitFor({ timeout: 60_000 });
    const timeline = page.locator(".timeline-scroll");
    await timeline.waitFor();
    assert.match((await timeline.getAttribute("aria-label")) ?? "", /^Timeline: 5001 rows/);
    const drawn = await page.locator(".timeline g.row").count();
    assert.ok(drawn > 0 && drawn <= 40, `${drawn} rows drawn`);
    // Scrolled to the end, the last rows are drawn (and still only a window of them).
    await timeline.evaluate((el) => (el.scrollTop = el.scrollHeight));
    await page.locator(".timeline g.row", { hasText: "Noop #4999" }).waitFor();
    assert.ok((await page.locator(".timeline g.row").count()) <= 40);
    // The page answers at once: a click on the table tab renders its first page of 100 events.
    const started = Date.now();
    await page.getByRole("tab", { name: "Table" }).click();
    await page.getByText(/Events 1–100 of \d{5}/).waitFor();
    assert.equal(await page.locator("table.history tbody tr").count(), 100);
    assert.ok(Date.now() - started < 10_000, "the table renders without freezing the page");
    await page.context().close();
  });

  it("rewinds a failed instance and restarts a finished one, each after a confirmation", async () => {
    const page = await signedIn();
    // order-4 fails for good (its amount is over Ship's limit): rewound, it runs again from its failure and fails again.
    await page.goto(`${host.url}/dashboard/#/instance/order-4`);
    await page.getByRole("heading", { name: /Failed ProcessOrder/ }).waitFor();
    await page.getByRole("button", { name: "Rewind" }).click();
    const rewind = page.getByRole("dialog");
    await rewind.getByLabel("Reason (optional)").fill("shipping limit raised");
    await rewind.getByRole("button", { name: "Rewind" }).click();
    await eventually(async () => {
      const status = await host.client.getStatus("order-4", { showHistory: true });
      return (
        status?.runtimeStatus === "Failed" &&
        (status.history ?? []).some((e) => e.type === "ExecutionRewound")
      );
    }, 30_000);
    // order-0 completed: restarted under the same ID, it is created again and completes.
    const before = await host.client.getStatus("order-0");
    await page.goto(`${host.url}/dashboard/#/instance/order-0`);
    await page.getByRole("heading", { name: /Completed ProcessOrder/ }).waitFor();
    await page.getByRole("button", { name: "Restart" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Restart" }).click();
    await eventually(async () => {
      const status = await host.client.getStatus("order-0");
      return (
        status?.runtimeStatus === "Completed" &&
        status.createdTime.getTime() > (before?.createdTime.getTime() ?? Infinity)
      );
    }, 30_000);
    await page.context().close();
  });

  it("needs no sign-in in local-dev mode", async () => {
    const local = await startTestHost(dashboardApp(), { flags: { hub: join(dir, "hub.db") } });
    try {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${local.url}/dashboard/`);
      await page.getByRole("heading", { name: "Instances" }).waitFor();
      await page.getByRole("link", { name: "order-0", exact: true }).waitFor();
      assert.equal(await page.getByRole("button", { name: "Sign out" }).count(), 0);
      await context.close();
    } finally {
      await local.stop();
    }
  });
});
