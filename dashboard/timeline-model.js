// The timeline (Gantt) of an instance's history: one row per activity call (its attempts as repeated bars: retries),
// timer, sub-orchestration, entity call and external event; each bar from scheduled to completed. Pure: a history in,
// rows of bars out.

const ms = (iso) => Date.parse(iso);

/**
 * Rows of bars for `history` (the stored events), with `now` (epoch ms) as the end of what is still open.
 * Bar states: ok, failed, running (open), planned (a timer not yet due), cancelled (open when the instance ended).
 */
export function timelineModel(history, now) {
  const started = history.find((e) => e.type === "ExecutionStarted");
  const ended = history.find((e) => e.type === "ExecutionCompleted" || e.type === "ExecutionTerminated");
  const start = started ? ms(started.timestamp) : history.length > 0 ? ms(history[0].timestamp) : now;
  const end = ended ? ms(ended.timestamp) : now;
  const rows = [];
  const rowsByKey = new Map();
  const openBars = new Map(); // "task:<eventId>" etc. -> bar
  const row = (key, make) => {
    let r = rowsByKey.get(key);
    if (!r) {
      r = { ...make(), bars: [] };
      rowsByKey.set(key, r);
      rows.push(r);
    }
    return r;
  };
  const finalState =
    ended?.type === "ExecutionTerminated"
      ? "failed"
      : ended?.status === "Failed"
        ? "failed"
        : ended
          ? "ok"
          : "running";
  if (started)
    row("orchestration", () => ({ kind: "orchestration", label: started.name })).bars.push({
      start,
      end,
      state: finalState,
      title: `${started.name}: ${ended ? (ended.status ?? "Terminated") : "running"}`,
    });
  const lastRaise = new Map();
  for (const e of history) {
    const t = ms(e.timestamp);
    switch (e.type) {
      case "TaskScheduled": {
        const first = e.firstAttemptId ?? e.eventId;
        const r = row(`task:${first}`, () => ({ kind: "activity", label: `${e.name} #${first}` }));
        const bar = {
          start: t,
          end: undefined,
          state: "running",
          attempt: e.attempt ?? 1,
          title: `${e.name}, attempt ${e.attempt ?? 1}`,
        };
        r.bars.push(bar);
        openBars.set(`task:${e.eventId}`, bar);
        break;
      }
      case "TaskCompleted":
      case "TaskFailed": {
        const bar = openBars.get(`task:${e.taskScheduledId}`);
        if (!bar) break;
        bar.end = t;
        bar.state = e.type === "TaskCompleted" ? "ok" : "failed";
        if (e.failure) bar.title += `: ${e.failure.errorType}: ${e.failure.message}`;
        openBars.delete(`task:${e.taskScheduledId}`);
        break;
      }
      case "SubOrchestrationInstanceCreated": {
        const base = e.instanceId.replace(/-attempt-\d+$/, "");
        const r = row(`sub:${e.name}:${base}`, () => ({
          kind: "sub-orchestration",
          label: `${e.name} ${base}`,
          instanceId: e.instanceId,
        }));
        const bar = {
          start: t,
          end: undefined,
          state: "running",
          title: `sub-orchestration ${e.name} (${e.instanceId})`,
          instanceId: e.instanceId,
        };
        r.bars.push(bar);
        openBars.set(`sub:${e.eventId}`, bar);
        break;
      }
      case "SubOrchestrationInstanceCompleted":
      case "SubOrchestrationInstanceFailed": {
        const bar = openBars.get(`sub:${e.taskScheduledId}`);
        if (!bar) break;
        bar.end = t;
        bar.state = e.type === "SubOrchestrationInstanceCompleted" ? "ok" : "failed";
        if (e.failure) bar.title += `: ${e.failure.errorType}: ${e.failure.message}`;
        openBars.delete(`sub:${e.taskScheduledId}`);
        break;
      }
      case "TimerCreated": {
        const fire = ms(e.fireAt);
        const r = row(`timer:${e.eventId}`, () => ({ kind: "timer", label: `timer #${e.eventId}` }));
        const bar = {
          start: t,
          end: undefined,
          fireAt: fire,
          state: "planned",
          title: `timer #${e.eventId}, due ${e.fireAt}`,
        };
        r.bars.push(bar);
        openBars.set(`timer:${e.eventId}`, bar);
        break;
      }
      case "TimerFired": {
        const bar = openBars.get(`timer:${e.timerId}`);
        if (!bar) break;
        bar.end = t;
        bar.state = "ok";
        bar.title += ", fired";
        openBars.delete(`timer:${e.timerId}`);
        break;
      }
      case "EventRaised": {
        const name = String(e.name).toLowerCase();
        // When the wait began is not recorded: it is drawn from the previous event of that name, else the start.
        const from = lastRaise.get(name) ?? start;
        lastRaise.set(name, t);
        row(`event:${name}`, () => ({ kind: "event", label: `event ${e.name}` })).bars.push({
          start: from,
          end: t,
          state: "ok",
          title: `external event ${e.name} arrived (the wait's start is not recorded; drawn from ${from === start ? "the instance's start" : "the previous one"})`,
        });
        break;
      }
      case "EntityOperationCalled": {
        const r = row(`entity:${e.targetInstanceId}:${e.operation}`, () => ({
          kind: "entity",
          label: `${e.targetInstanceId} ${e.operation}`,
        }));
        const bar = {
          start: t,
          end: undefined,
          state: "running",
          title: `entity call ${e.operation} on ${e.targetInstanceId}`,
        };
        r.bars.push(bar);
        openBars.set(`entity:${e.requestId}`, bar);
        break;
      }
      case "EntityOperationCompleted":
      case "EntityOperationFailed": {
        const bar = openBars.get(`entity:${e.requestId}`);
        if (!bar) break;
        bar.end = t;
        bar.state = e.type === "EntityOperationCompleted" ? "ok" : "failed";
        openBars.delete(`entity:${e.requestId}`);
        break;
      }
      default:
        break;
    }
  }
  // What is still open runs on to now, or was cut when the instance ended; a timer not due yet ends when it is due.
  let last = end;
  for (const r of rows)
    for (const bar of r.bars) {
      if (bar.end === undefined) {
        if (bar.fireAt !== undefined && !ended) {
          bar.end = Math.max(bar.fireAt, bar.start);
          bar.state = bar.fireAt > now ? "planned" : "running";
        } else {
          bar.end = ended ? end : now;
          bar.state = ended ? "cancelled" : "running";
          bar.title += ended ? " (never finished)" : " (running)";
        }
      }
      last = Math.max(last, bar.end);
    }
  return { start, end: Math.max(last, start + 1), rows };
}
