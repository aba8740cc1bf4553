import type { RawHttpResponse } from '@mammut/contracts';

/** A status with Mastodon's error body (`{"error": …}`), or an empty JSON answer without one. */
export const answer = (status: number, error?: string): RawHttpResponse => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: error === undefined ? '' : JSON.stringify({ error }),
});
