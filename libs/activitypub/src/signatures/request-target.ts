import { SignatureError } from './signature-error';

/** An absolute request URL read once for the signature checks. */
export interface TargetUrl {
  readonly url: URL;
  /** Path and query exactly as in the URL given (no dot-segment or escape normalisation). */
  readonly pathAndQuery: string;
  /** The same without its query string. */
  readonly path: string;
}

const ORIGIN = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i;

/**
 * Reads the request URL. `URL` would normalise the path (`/a/../b` becomes `/b`), but a
 * signature covers the path as the client sent it, so path and query are cut from the raw text.
 */
export function readTarget(raw: string): TargetUrl {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw SignatureError.malformed('Request URL is not absolute');
  }
  const origin = ORIGIN.exec(raw);
  if (origin === null) throw SignatureError.malformed('Request URL is not absolute');
  const rest = raw.slice(origin[0].length).split('#')[0];
  const pathAndQuery = rest === '' || rest.startsWith('?') ? `/${rest}` : rest;
  return { url, pathAndQuery, path: pathAndQuery.split('?')[0] };
}
