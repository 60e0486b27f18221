/**
 * Six-field cron schedules, as Azure Functions' timer trigger writes them (NCRONTAB):
 * `{second} {minute} {hour} {day} {month} {day-of-week}`, e.g. `0 0 2 * * MON` for every Monday at 02:00 UTC.
 * @module
 */
import { CronExpressionParser, type CronExpression } from "cron-parser";
import { InvalidArgumentError } from "../core/errors.js";

/** A parsed six-field cron schedule. */
export class CronSchedule {
  private constructor(
    /** The expression as written. */
    readonly expression: string,
    /** IANA time zone the expression is read in (default UTC). */
    readonly timeZone: string,
  ) {}

  /**
   * Parses a six-field expression.
   * @throws InvalidArgumentError naming the problem (wrong field count, invalid field, unknown time zone).
   */
  static parse(expression: string, timeZone = "UTC"): CronSchedule {
    if (typeof expression !== "string" || expression.trim().split(/\s+/).length !== 6)
      throw new InvalidArgumentError(
        `Schedule ${JSON.stringify(expression)} must have six fields: second minute hour day month day-of-week ` +
          `(for example "0 0 2 * * MON").`,
      );
    const schedule = new CronSchedule(expression.trim(), timeZone);
    try {
      schedule.#expression(new Date(0)).next();
    } catch (error) {
      throw new InvalidArgumentError(
        `Schedule ${JSON.stringify(expression)} is not a valid cron expression: ${(error as Error).message}`,
      );
    }
    return schedule;
  }

  /** The first occurrence strictly after `after`. */
  next(after: Date): Date {
    return this.#expression(after).next().toDate();
  }

  #expression(after: Date): CronExpression {
    return CronExpressionParser.parse(this.expression, {
      currentDate: after,
      tz: this.timeZone,
      strict: false,
    });
  }
}
