/**
 * Route templates of HTTP triggers, in the Azure Functions (ASP.NET) syntax: literal segments (matched
 * case-insensitively), `{name}`, optional trailing `{name?}`, catch-all `{*name}` and the constraints `int`, `long`,
 * `double`, `bool`, `alpha` and `guid` (`{id:int}`).
 * @module
 */
import { InvalidArgumentError } from "../core/errors.js";

type Constraint = "int" | "long" | "double" | "bool" | "alpha" | "guid";

const CONSTRAINTS: Readonly<Record<Constraint, RegExp>> = {
  int: /^-?\d{1,10}$/,
  long: /^-?\d{1,19}$/,
  double: /^-?\d+(\.\d+)?$/,
  bool: /^(true|false)$/i,
  alpha: /^[A-Za-z]+$/,
  guid: /^\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?$/i,
};

type Segment =
  | { readonly kind: "literal"; readonly text: string }
  | {
      readonly kind: "param";
      readonly name: string;
      readonly optional: boolean;
      readonly catchAll: boolean;
      readonly constraint?: Constraint | undefined;
    };

/** A parsed route template. */
export class RouteTemplate {
  readonly #segments: readonly Segment[];

  private constructor(
    /** The template as written, normalized (no leading or trailing `/`). */
    readonly template: string,
    segments: readonly Segment[],
  ) {
    this.#segments = segments;
  }

  /** Parses `template`; throws {@link InvalidArgumentError} describing what is wrong with it. */
  static parse(template: string): RouteTemplate {
    const normalized = template.trim().replace(/^\/+|\/+$/g, "");
    const parts = normalized === "" ? [] : normalized.split("/");
    const names = new Set<string>();
    const segments = parts.map((part, index): Segment => {
      const last = index === parts.length - 1;
      const match = /^\{(\*)?([A-Za-z_][A-Za-z0-9_]*)(?::([a-z]+))?(\?)?\}$/.exec(part);
      if (!match) {
        if (part === "" || /[{}?#]/.test(part))
          throw new InvalidArgumentError(`Route template '${template}' has an invalid segment '${part}'.`);
        return { kind: "literal", text: part.toLowerCase() };
      }
      const [, star, name = "", constraint, question] = match;
      if (names.has(name.toLowerCase()))
        throw new InvalidArgumentError(`Route template '${template}' uses the parameter '${name}' twice.`);
      names.add(name.toLowerCase());
      if (constraint !== undefined && !(constraint in CONSTRAINTS))
        throw new InvalidArgumentError(
          `Route template '${template}' uses the unknown constraint '${constraint}' (known: ${Object.keys(CONSTRAINTS).join(", ")}).`,
        );
      if ((star || question) && !last)
        throw new InvalidArgumentError(
          `Route template '${template}': only the last segment may be optional or catch-all.`,
        );
      return {
        kind: "param",
        name,
        optional: question !== undefined || star !== undefined,
        catchAll: star !== undefined,
        constraint: constraint as Constraint | undefined,
      };
    });
    return new RouteTemplate(normalized, segments);
  }

  /** Higher for more specific templates: literals beat constrained parameters, which beat plain ones. */
  get specificity(): number[] {
    return this.#segments.map((s) =>
      s.kind === "literal" ? 3 : s.catchAll ? 0 : s.constraint !== undefined ? 2 : 1,
    );
  }

  /**
   * Matches raw (still percent-encoded) path segments. Returns the decoded parameters, or `undefined` when the path
   * does not match.
   */
  match(rawSegments: readonly string[]): Record<string, string> | undefined {
    const params: Record<string, string> = {};
    const segments = this.#segments;
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i];
      if (!segment) return undefined;
      const raw = rawSegments[i];
      if (segment.kind === "literal") {
        if (raw === undefined || decodeSegment(raw)?.toLowerCase() !== segment.text) return undefined;
        continue;
      }
      if (segment.catchAll) {
        const rest = rawSegments.slice(i).map(decodeSegment);
        if (rest.some((r) => r === undefined)) return undefined;
        if (rest.length > 0) params[segment.name] = rest.join("/");
        return params;
      }
      if (raw === undefined) return segment.optional ? params : undefined;
      const value = decodeSegment(raw);
      if (value === undefined || value === "") return undefined;
      if (segment.constraint && !CONSTRAINTS[segment.constraint].test(value)) return undefined;
      params[segment.name] = value;
    }
    return rawSegments.length === segments.length ? params : undefined;
  }
}

function decodeSegment(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/** Splits a URL path into raw segments, ignoring empty ones (`/a//b/` is `a`, `b`). */
export function splitPath(pathname: string): string[] {
  return pathname.split("/").filter((s) => s !== "");
}

/** Compares specificities for sorting, most specific first. */
export function compareSpecificity(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const diff = (b[i] ?? -1) - (a[i] ?? -1);
    if (diff !== 0) return diff;
  }
  return 0;
}
