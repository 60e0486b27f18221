/**
 * Finds the HTTP trigger for a request: the most specific route template that matches the path under `/api/`, then
 * the method (405 with `Allow` when the path matches but no trigger takes the method).
 * @module
 */
import { HttpError } from "./http-error.js";
import { HTTP_ROUTE_PREFIX, type HttpTriggerDefinition } from "./http-trigger.js";
import { compareSpecificity } from "./route-template.js";

/** A matched trigger and its route parameters. */
export interface TriggerMatch {
  readonly trigger: HttpTriggerDefinition;
  readonly params: Record<string, string>;
}

/** Routes requests to HTTP triggers. */
export class TriggerRouter {
  readonly #triggers: readonly HttpTriggerDefinition[];

  constructor(triggers: readonly HttpTriggerDefinition[]) {
    this.#triggers = [...triggers].sort((a, b) =>
      compareSpecificity(a.route.specificity, b.route.specificity),
    );
  }

  /** The routes served, for the startup banner: `GET,POST /api/orders/{id}`. */
  describe(): { name: string; methods: readonly string[]; path: string }[] {
    return this.#triggers.map((t) => ({
      name: t.name,
      methods: t.methods,
      path: `/${HTTP_ROUTE_PREFIX}/${t.route.template}`,
    }));
  }

  /**
   * The trigger for `method` and the raw path segments (the `api` prefix included), `undefined` when no route
   * matches the path.
   * @throws HttpError 405 when routes match the path but none accepts the method.
   */
  match(method: string, segments: readonly string[]): TriggerMatch | undefined {
    if (segments[0]?.toLowerCase() !== HTTP_ROUTE_PREFIX) return undefined;
    const rest = segments.slice(1);
    const allowed = new Set<string>();
    for (const trigger of this.#triggers) {
      const params = trigger.route.match(rest);
      if (!params) continue;
      if (trigger.methods.includes(method as never)) return { trigger, params };
      for (const m of trigger.methods) allowed.add(m);
    }
    if (allowed.size === 0) return undefined;
    throw new HttpError(
      405,
      "method_not_allowed",
      `Method ${method} is not allowed here; use ${[...allowed].join(", ")}.`,
      {
        headers: { allow: [...allowed].join(", ") },
      },
    );
  }
}
