/**
 * The one error of the Durable Functions v3 compatibility module: an API of `durable-functions` it does not provide.
 * @module
 */
import { DurableError } from "../../core/errors.js";

/**
 * Thrown, at registration or at the first call, by a Durable Functions v3 API that `taskhub/durable-functions` does
 * not provide; the message names it and, where there is one, the Taskhub way to do the same.
 */
export class NotSupportedError extends DurableError {
  /** @param api The Durable Functions API, for example `context.df.callHttp`. */
  constructor(
    readonly api: string,
    instead?: string,
  ) {
    super(
      `${api} is not supported by taskhub/durable-functions (the Durable Functions v3 compatibility module).` +
        (instead ? ` ${instead}` : ""),
    );
  }
}
