// Filter results: plain values a hook returns. The runtime reads them through `decisionOf`.

import type { ApiMessage, FilterError, FilterResult, RequestFilterResult } from './api.ts';

/** @internal What a result asks the runtime to do. */
export type Decision =
  | { readonly kind: 'forward' }
  | { readonly kind: 'forwardModified'; readonly message: ApiMessage }
  | { readonly kind: 'drop' }
  | { readonly kind: 'respond'; readonly response: ApiMessage }
  | { readonly kind: 'error'; readonly error: FilterError };

class Result {
  readonly decision: Decision;
  readonly close: boolean;

  constructor(decision: Decision, close: boolean) {
    this.decision = decision;
    this.close = close;
    Object.freeze(this);
  }

  withCloseConnection(): Result {
    return new Result(this.decision, true);
  }
}

/** @internal The decision behind a value a hook returned, or undefined when it is not a result. */
export function decisionOf(value: unknown): { readonly decision: Decision; readonly close: boolean } | undefined {
  return value instanceof Result ? value : undefined;
}

const FORWARD = new Result({ kind: 'forward' }, false);
const DROP = new Result({ kind: 'drop' }, false);

/** The results a filter hook returns. Each has `withCloseConnection()`. */
export const FilterResults = Object.freeze({
  /** Pass the message on unchanged: it is not re-encoded on this filter's account. */
  forward(): FilterResult {
    return FORWARD as unknown as FilterResult;
  },
  /**
   * Pass on `message`: the decoded message the hook received, changed in place, or a replacement
   * of the same API. It is re-encoded before it leaves the chain.
   */
  forwardModified(message: ApiMessage): FilterResult {
    return new Result({ kind: 'forwardModified', message }, false) as unknown as FilterResult;
  },
  /**
   * Pass nothing on. A dropped request is not sent upstream and gets no response; a dropped
   * response is not delivered. When the client waits for a response (anything but PRODUCE with
   * acks=0), the connection is closed after the earlier responses, because every later response
   * would wait behind the missing one.
   */
  drop(): FilterResult {
    return DROP as unknown as FilterResult;
  },
  /** Answer the request with `response` (a response body of the request's API); nothing goes upstream. */
  respond(response: ApiMessage): RequestFilterResult {
    return new Result({ kind: 'respond', response }, false) as unknown as RequestFilterResult;
  },
  /**
   * Answer the request with the API's error response: `error` at the top level and in every
   * topic, partition, group or resource entry the request named, with the message where the
   * response carries one. Nothing goes upstream.
   */
  respondWithError(error: FilterError): RequestFilterResult {
    return new Result({ kind: 'error', error }, false) as unknown as RequestFilterResult;
  },
});
