/**
 * Why an outbound request failed, in terms a caller can act on: a delivery retries `timeout`,
 * `network` and 5xx `bad_status`, gives up on `blocked_address` and `bad_url`; an actor fetch
 * treats a 410 `bad_status` as a deleted account.
 */
export type OutboundErrorCode =
  /** Not an http(s) URL we may fetch: other scheme, plain http in production, credentials, control characters. */
  | 'bad_url'
  /** The host is, or resolved to, an address that is not global unicast (and not excepted for tests). */
  | 'blocked_address'
  /** The (decoded) body grew past the cap, or Content-Length announced that it would. */
  | 'too_large'
  /** The total deadline (or a connect, header or body idle limit) passed. */
  | 'timeout'
  | 'too_many_redirects'
  /** The final answer was not 2xx; `status` says which. */
  | 'bad_status'
  | 'bad_content_type'
  /** DNS failure, refused or reset connection, TLS failure, broken encoding. */
  | 'network';

export class OutboundHttpError extends Error {
  constructor(
    readonly code: OutboundErrorCode,
    message: string,
    readonly url: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${message}`, options);
    this.name = 'OutboundHttpError';
  }
}
