/**
 * {@link UsageError}: a wrong command line.
 * @module
 */

/**
 * A wrong command line (exit code 2). The CLI prints the message (one line, without a final period) and a pointer
 * to the help of `command`, e.g. `taskhub: unknown option '--prot'. See 'taskhub start --help'.`
 */
export class UsageError extends Error {
  override readonly name = "UsageError";

  constructor(
    message: string,
    /** The command whose help the message points to; the general help when undefined. */
    readonly command?: string,
  ) {
    super(message);
  }

  /** The line printed on stderr. */
  toLine(): string {
    return `taskhub: ${this.message}. See '${this.command ? `taskhub ${this.command} --help` : "taskhub --help"}'.`;
  }
}
