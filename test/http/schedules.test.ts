/**
 * Durable schedules: six-field cron parsing, once-per-occurrence firing with two hosts on one hub, the
 * missed-occurrence policy after downtime, and picking up a changed schedule.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { DurableApp } from "../../src/index.js";
import { CronSchedule } from "../../src/schedules/cron-schedule.js";
import { scheduleInstanceId } from "../../src/schedules/schedule-orchestration.js";
import type { TimerInfo } from "../../src/schedules/timer-trigger.js";
import { eventually, sleep } from "../support/test-host.js";
import { startTestHost } from "./http-test-host.js";

interface Firing {
  readonly host: string;
  readonly scheduledTime: string;
  readonly isPastDue: boolean;
  readonly at: number;
}

function timerApp(host: string, firings: Firing[], schedule: string): DurableApp {
  const app = new DurableApp();
  app.timer("Tick", { schedule }, (timer: TimerInfo) => {
    firings.push({
      host,
      scheduledTime: timer.scheduledTime.toISOString(),
      isPastDue: timer.isPastDue,
      at: Date.now(),
    });
  });
  return app;
}

describe("cron schedules", () => {
  it("parses six-field expressions and rejects others with a clear message", () => {
    const weekly = CronSchedule.parse("0 0 2 * * MON");
    assert.equal(weekly.next(new Date("2024-01-01T03:00:00Z")).toISOString(), "2024-01-08T02:00:00.000Z");
    assert.equal(weekly.next(new Date("2024-01-08T01:59:59Z")).toISOString(), "2024-01-08T02:00:00.000Z");
    assert.throws(() => CronSchedule.parse("0 2 * * MON"), /six fields/);
    assert.throws(() => CronSchedule.parse("0 0 25 * * MON"), /not a valid cron expression/);
    assert.throws(() => CronSchedule.parse("0 0 2 * * MON", "Mars/Olympus"), /not a valid cron expression/);
    assert.throws(() => new DurableApp().timer("Bad", { schedule: "@daily" }, () => undefined), /six fields/);
  });

  it("fires once per occurrence with two hosts on one SQLite hub", async () => {
    const dir = mkdtempSync(join(tmpdir(), "taskhub-cron-"));
    const firings: Firing[] = [];
    const flags = { hub: join(dir, "hub.db") };
    const a = await startTestHost(timerApp("a", firings, "* * * * * *"), { flags, dir });
    const b = await startTestHost(timerApp("b", firings, "* * * * * *"), { flags, dir });
    try {
      await sleep(4500);
      const times = firings.map((f) => f.scheduledTime);
      assert.ok(firings.length >= 3, `fired ${firings.length} times`);
      assert.equal(new Set(times).size, times.length, `duplicate firings: ${times.join(", ")}`);
      const page = await a.client.listInstances({ instanceIdPrefix: "schedule:" });
      assert.deepEqual(
        page.instances.map((s) => s.instanceId),
        [scheduleInstanceId("Tick")],
      );
    } finally {
      await a.close();
      await b.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("after downtime, a missed occurrence fires once (isPastDue), then the schedule goes on", async () => {
    const dir = mkdtempSync(join(tmpdir(), "taskhub-cron-"));
    const firings: Firing[] = [];
    const flags = { hub: join(dir, "hub.db") };
    try {
      const first = await startTestHost(timerApp("first", firings, "*/2 * * * * *"), { flags, dir });
      await eventually(async () => firings.length >= 1, 5000);
      await first.close();
      const before = firings.length;
      await sleep(5000); // two or three occurrences are missed
      const restartedAt = Date.now();
      const second = await startTestHost(timerApp("second", firings, "*/2 * * * * *"), { flags, dir });
      try {
        await eventually(async () => firings.length >= before + 2, 6000);
        const afterRestart = firings.slice(before);
        const overdue = afterRestart.filter((f) => Date.parse(f.scheduledTime) < restartedAt);
        assert.equal(
          overdue.length,
          1,
          `missed occurrences fired: ${overdue.map((f) => f.scheduledTime).join(", ")}`,
        );
        assert.equal(overdue[0]?.isPastDue, true);
        assert.ok(afterRestart.slice(1).every((f) => Date.parse(f.scheduledTime) > restartedAt));
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a host with a changed schedule reschedules the running instance", async () => {
    const dir = mkdtempSync(join(tmpdir(), "taskhub-cron-"));
    const firings: Firing[] = [];
    const flags = { hub: join(dir, "hub.db") };
    try {
      const weekly = await startTestHost(timerApp("weekly", firings, "0 0 2 * * MON"), { flags, dir });
      await weekly.close();
      const everySecond = await startTestHost(timerApp("fast", firings, "* * * * * *"), { flags, dir });
      try {
        await eventually(async () => firings.length >= 1, 5000);
        const status = await everySecond.client.getStatus(scheduleInstanceId("Tick"));
        assert.equal((status?.input as { schedule: string }).schedule, "* * * * * *");
      } finally {
        await everySecond.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
