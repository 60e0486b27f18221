/**
 * Statements with named parameters. SQL is written once for both dialects with `:name` parameters next to the values
 * they stand for (`WHERE instance_id = :instanceId AND lock_expires_at >= :now`), compiled once per hub into the
 * dialect's positional placeholders (`?` for SQLite, `$1, $2, ...` for PostgreSQL; see {@link compileStatement}), and
 * run with the values by name ({@link Statement.run}`(tx, { instanceId, now })`). The compiled text is what the
 * drivers prepare and cache; binding maps the names to positions, and fails with a {@link TaskHubError} naming the
 * parameter when one is missing or unknown.
 *
 * A name used twice gets a placeholder per use (so PostgreSQL infers each one's type from its own context).
 * PostgreSQL casts (`::bigint`) and quoted strings and identifiers are not parameters.
 * @module
 */
import { TaskHubError } from "../core/errors.js";
import type { SqlExecutor, SqlRow, SqlValue } from "./sql-driver.js";

/** The values of a statement's named parameters, by name. */
export type SqlParams = Readonly<Record<string, SqlValue>>;

/**
 * A statement compiled for one dialect, run with its parameters by name. A missing or unknown name throws (at once,
 * before anything is sent: a programming error, not a rejected promise that a deferred caller might ignore).
 */
export interface Statement {
  /** The final SQL text, with the dialect's positional placeholders. */
  readonly text: string;
  /** The name of each placeholder, in order (a name used twice appears twice). */
  readonly names: readonly string[];
  /** Runs the statement and returns its rows. */
  query<R extends SqlRow = SqlRow>(tx: SqlExecutor, params?: SqlParams): Promise<R[]>;
  /** Runs the statement and returns the number of rows it changed. */
  run(tx: SqlExecutor, params?: SqlParams): Promise<number>;
  /** Defers the statement ({@link SqlExecutor.defer}); resolves to its rows once it ran. */
  defer<R extends SqlRow = SqlRow>(tx: SqlExecutor, params?: SqlParams): Promise<R[]>;
}

/** Start of a bulk column marker (see `columnRef` in `dialect.ts`); for the dialects' bulk builders. */
export const MARK_START = "\u0001";
/** End of a bulk column marker. */
export const MARK_END = "\u0002";

const NAME_START = /[A-Za-z_]/;
const NAME_PART = /[A-Za-z0-9_]/;

/**
 * Rewrites, outside quoted strings and identifiers, each named parameter `:name` with `placeholder(name, n)` (n counts
 * them from 1) and each bulk column marker with `column(index)`, and lists the names in order. Casts (`::type`) are
 * left alone; a `?` placeholder is refused (write a named parameter). Runs when statements are built, never per
 * execution.
 */
export function rewriteParameters(
  text: string,
  placeholder: (name: string, n: number) => string,
  column: (index: number) => string = (index) => `${MARK_START}${index}${MARK_END}`,
): { text: string; names: string[] } {
  let out = "";
  const names: string[] = [];
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === quote) quote = undefined;
      out += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else if (ch === MARK_START) {
      const end = text.indexOf(MARK_END, i);
      out += column(Number(text.slice(i + 1, end)));
      i = end;
    } else if (ch === ":" && text[i + 1] === ":") {
      out += "::";
      i++;
    } else if (ch === ":" && NAME_START.test(text[i + 1] ?? "")) {
      let end = i + 2;
      while (end < text.length && NAME_PART.test(text[end]!)) end++;
      const name = text.slice(i + 1, end);
      names.push(name);
      out += placeholder(name, names.length);
      i = end - 1;
    } else if (ch === "?") {
      throw new TaskHubError(`Write named parameters (:name), not '?', in SQL: ${text}`);
    } else {
      out += ch;
    }
  }
  return { text: out, names };
}

/** Compiles `text` (SQL with `:name` parameters) into a {@link Statement} with the placeholders `placeholder(n)`. */
export function compileStatement(text: string, placeholder: (n: number) => string): Statement {
  const compiled = rewriteParameters(text, (_, n) => placeholder(n));
  return statement(compiled.text, compiled.names, text);
}

/**
 * A {@link Statement} of final `text` whose placeholders stand for `names`, in order (`source`: the text with the
 * names, for error messages).
 */
export function statement(text: string, names: readonly string[], source = text): Statement {
  const expected = new Set(names);
  const bind = (params: SqlParams = {}): SqlValue[] => {
    checkParamNames(source, expected, params);
    return names.map((name) => paramValue(source, params, name));
  };
  return {
    text,
    names,
    query: (tx, params) => tx.query(text, bind(params)),
    run: (tx, params) => tx.run(text, bind(params)),
    defer: (tx, params) => tx.defer(text, bind(params)),
  };
}

/** The value of parameter `name` in `params`; a {@link TaskHubError} when it has none (`undefined`). */
export function paramValue(text: string, params: SqlParams, name: string): SqlValue {
  const value = params[name];
  if (value === undefined)
    throw new TaskHubError(`SQL parameter :${name} has no value (statement: ${abbreviate(text)}).`);
  return value;
}

/** A {@link TaskHubError} when `params` has a name that is not among the `expected` names of the statement `text`. */
export function checkParamNames(text: string, expected: ReadonlySet<string>, params: SqlParams): void {
  for (const name in params)
    if (!expected.has(name))
      throw new TaskHubError(`SQL parameter :${name} is not used by the statement: ${abbreviate(text)}`);
}

/** The start of a statement's text on one line, for error messages. */
function abbreviate(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}
