/**
 * Generator orchestrators: `function* (ctx, input) { const x = yield ctx.callActivity(a, 1); return x; }`, the shape
 * of Durable Functions JavaScript v3 and durabletask-js. A small adapter drives the generator from the async
 * machinery: each yielded task is awaited like `await` would, its result is sent back with `next(value)`, its
 * failure is thrown into the generator with `throw(error)` (so `try/catch` works). Replay and determinism are those
 * of the async form, unchanged.
 * @module
 */
import { InvalidArgumentError, OrchestratorMisuseError } from "../core/errors.js";

/** The generator an orchestrator function written with `function*` returns. Yield results are `any`, as in DF. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type OrchestratorGenerator<O> = Generator<unknown, O, any>;

/** True for a generator object (what calling a `function*` returns). */
function isGeneratorObject(value: unknown): value is Generator<unknown, unknown, unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Generator).next === "function" &&
    typeof (value as Generator).throw === "function" &&
    typeof (value as Generator)[Symbol.iterator] === "function"
  );
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as PromiseLike<unknown>).then === "function"
  );
}

/** Runs a generator to its end, awaiting each yielded task and sending its outcome back in. */
async function drive(generator: Generator<unknown, unknown, unknown>, name: string): Promise<unknown> {
  let step = generator.next();
  while (!step.done) {
    const yielded = step.value;
    if (!isThenable(yielded)) {
      const error = new OrchestratorMisuseError(
        `Orchestrator '${name}' yielded ${describe(yielded)}, which is not a task: yield what the context returns ` +
          "(ctx.callActivity(...), ctx.whenAll([...]), ...). To wait for several tasks, yield ctx.whenAll([...]).",
      );
      step = generator.throw(error);
      continue;
    }
    let outcome: { ok: true; value: unknown } | { ok: false; error: unknown };
    try {
      outcome = { ok: true, value: await yielded };
    } catch (error) {
      outcome = { ok: false, error };
    }
    step = outcome.ok ? generator.next(outcome.value) : generator.throw(outcome.error);
  }
  return step.value;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return "an array";
  if (value === null || value === undefined) return String(value);
  return `a value of type ${typeof value}`;
}

/**
 * @internal Calls an orchestrator function: the async or plain form as it is; when it returns a generator (a
 * `function*`), drives it to its end.
 */
export function runOrchestratorFunction(
  handler: (context: never, input: never) => unknown,
  context: unknown,
  input: unknown,
  name: string,
): unknown {
  const result = handler(context as never, input as never);
  return isGeneratorObject(result) ? drive(result, name) : result;
}

/**
 * @internal Checks an orchestrator function at registration: an `async` function, a `function*` generator function
 * or a plain function. Anything else (not a function, an `async function*`, a class) is refused with a clear error.
 */
export function checkOrchestratorFunction(handler: unknown, name: string): void {
  const what = `Orchestration '${String(name)}'`;
  if (typeof handler !== "function")
    throw new InvalidArgumentError(
      `${what}: the orchestrator must be a function (async, function* or plain), got ${describe(handler)}.`,
    );
  const kind = (handler as { constructor?: { name?: unknown } }).constructor?.name;
  if (kind === "AsyncGeneratorFunction")
    throw new InvalidArgumentError(
      `${what}: an async generator function (async function*) is not supported as an orchestrator: ` +
        "write it as function* (yield tasks) or as an async function (await tasks).",
    );
  if (/^class[\s{]/.test(Function.prototype.toString.call(handler)))
    throw new InvalidArgumentError(`${what}: the orchestrator must be a function, not a class.`);
}

/**
 * A typed `yield` for generator orchestrators: `const tx = yield* resultOf(ctx.callActivity(charge, order))` types
 * `tx` by the task (a plain `yield` gives `any`, as in Durable Functions, because TypeScript cannot type each
 * `yield` separately). It yields the task once, like `yield task`, so it replays the same.
 * @example
 * app.orchestration("Chain", function* (ctx, input: number) {
 *   const doubled = yield* resultOf(ctx.callActivity(double, input)); // number
 *   return doubled + 1;
 * });
 */
export function* resultOf<T>(task: PromiseLike<T>): Generator<PromiseLike<T>, T, unknown> {
  return (yield task) as T;
}
