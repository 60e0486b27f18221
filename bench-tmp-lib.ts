import { rmSync } from "node:fs";
import { sqliteTaskHub } from "./src/sql/sqlite-task-hub.js";
import { postgresTaskHub } from "./src/sql/postgres-task-hub.js";
import type { TaskHub, OrchestrationCompletion } from "./src/task-hub/task-hub.js";

const ts = new Date().toISOString();
export async function run(label: string, hub: TaskHub, N: number, steps: number) {
  await hub.init();
  const t0 = performance.now();
  for (let i = 0; i < N; i++)
    await hub.createInstance({ event: { type: "ExecutionStarted", timestamp: ts, name: "o", instanceId: `i${i}`, executionId: "e", input: '{"x":1}' } });
  const tCreate = performance.now();
  const done = new Map<string, number>();
  let items = 0, finished = 0;
  while (finished < N) {
    const orch = await hub.lockOrchestrationWorkItems({ workerId: "w", max: 100, leaseMs: 60000 });
    items += orch.length;
    if (orch.length) {
      const completions: OrchestrationCompletion[] = orch.map((w) => {
        const n = (done.get(w.instanceId) ?? 0);
        done.set(w.instanceId, n + 1);
        const last = n >= steps;
        if (last) finished++;
        return { workItem: w, consumedMessageIds: w.messages.map((m) => m.id), replaceHistory: false,
          newHistory: [{ type: "OrchestratorStarted", timestamp: ts }, ...w.messages.map((m) => m.event), last ? { type: "ExecutionCompleted", timestamp: ts, status: "Completed", result: '"ok"' } : { type: "TaskScheduled", timestamp: ts, eventId: n, name: "act", input: '{"n":1}' }, { type: "OrchestratorCompleted", timestamp: ts }],
          instance: { status: last ? "Completed" : "Running", executionId: "e", name: "o", input: '{"x":1}', ...(last ? { output: '"ok"', completedAt: Date.now() } : {}) },
          activities: last ? [] : [{ instanceId: w.instanceId, executionId: "e", taskId: n, name: "act", input: '{"n":1}', attempt: 1, idempotencyKey: `${w.instanceId}:${n}` }],
          messages: [], newInstances: [] } as OrchestrationCompletion;
      });
      await hub.completeOrchestrationWorkItems(completions);
    }
    const acts = await hub.lockActivityWorkItems({ workerId: "w", max: 100, leaseMs: 60000 });
    items += acts.length;
    if (acts.length) await hub.completeActivityWorkItems(acts.map((a) => ({ workItem: a, result: { type: "TaskCompleted", timestamp: ts, taskScheduledId: a.taskId, result: '"r"' } })));
  }
  const t1 = performance.now();
  // latency: single orchestration with 1 activity, sequential, no batching
  const lat: number[] = [];
  for (let k = 0; k < 200; k++) {
    const s = performance.now();
    const id = `lat${k}`;
    await hub.createInstance({ event: { type: "ExecutionStarted", timestamp: ts, name: "o", instanceId: id, executionId: "e" } });
    const [w] = await hub.lockOrchestrationWorkItems({ workerId: "w", max: 1, leaseMs: 60000 });
    await hub.completeOrchestrationWorkItems([{ workItem: w!, consumedMessageIds: w!.messages.map((m) => m.id), replaceHistory: false, newHistory: [w!.messages[0]!.event, { type: "TaskScheduled", timestamp: ts, eventId: 0, name: "act" }], instance: { status: "Running", executionId: "e", name: "o" }, activities: [{ instanceId: id, executionId: "e", taskId: 0, name: "act", attempt: 1, idempotencyKey: id }], messages: [], newInstances: [] }]);
    const [a] = await hub.lockActivityWorkItems({ workerId: "w", max: 1, leaseMs: 60000 });
    await hub.completeActivityWorkItems([{ workItem: a!, result: { type: "TaskCompleted", timestamp: ts, taskScheduledId: 0 } }]);
    const [w2] = await hub.lockOrchestrationWorkItems({ workerId: "w", max: 1, leaseMs: 60000 });
    await hub.completeOrchestrationWorkItems([{ workItem: w2!, consumedMessageIds: w2!.messages.map((m) => m.id), replaceHistory: false, newHistory: [w2!.messages[0]!.event], instance: { status: "Completed", executionId: "e", name: "o", output: "1", completedAt: Date.now() }, activities: [], messages: [], newInstances: [] }]);
    lat.push(performance.now() - s);
  }
  lat.sort((a, b) => a - b);
  console.log(`${label}: create ${(N / ((tCreate - t0) / 1000)).toFixed(0)}/s; ${items} work items in ${(t1 - tCreate).toFixed(0)} ms = ${(items / ((t1 - tCreate) / 1000)).toFixed(0)} items/s; 1-activity latency median ${lat[100]!.toFixed(2)} ms p95 ${lat[190]!.toFixed(2)} ms`);
  await hub.close();
}
