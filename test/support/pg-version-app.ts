/**
 * The app of the PostgreSQL versioning test, as deployment `tag` runs it: a 3-step orchestration and one that also
 * starts a child. Every activity input carries the tag of the worker whose code scheduled it (recorded in history as
 * the `TaskScheduled` input), so each step of each instance names the worker that ran it; the output names the worker
 * that ran the last step.
 */
import { DurableApp } from "../../src/index.js";

/** What an orchestration of the app returns. */
export interface VersionedOutput {
  /** The tag of the worker that scheduled each step (from the activity results, which echo it). */
  readonly steps: readonly string[];
  /** The tag of the worker that ran the last episode. */
  readonly finishedBy: string;
  readonly version: string;
  /** The child's output, for `VersionedParent`. */
  readonly child?: VersionedOutput;
}

/** Builds the app as deployment `tag` runs it. */
export function versionedApp(tag: string) {
  const app = new DurableApp();
  const step = app.activity("VersionedStep", async (input: { by: string; i: number }) => input.by);
  const steps = app.orchestration("VersionedSteps", async (ctx): Promise<VersionedOutput> => {
    const done: string[] = [];
    for (let i = 0; i < 3; i++) done.push(await ctx.callActivity(step, { by: tag, i }));
    return { steps: done, finishedBy: tag, version: ctx.version };
  });
  const parent = app.orchestration("VersionedParent", async (ctx): Promise<VersionedOutput> => {
    const first = await ctx.callActivity(step, { by: tag, i: 0 });
    const child = await ctx.callSubOrchestrator(steps, undefined, { instanceId: `${ctx.instanceId}:child` });
    return { steps: [first], finishedBy: tag, version: ctx.version, child };
  });
  return { app, steps, parent };
}
