import type { RawHttpResponse } from '@mammut/contracts';

/** What ActivityPub peers send in Accept (Mastodon answers both with its documents). */
export const ACTIVITY_TYPES = /application\/(activity\+json|ld\+json)/i;
export const ACTIVITY_JSON = 'application/activity+json; charset=utf-8';

/** A status with Mastodon's error body (`{"error": …}`), or an empty JSON answer without one. */
export const answer = (status: number, error?: string): RawHttpResponse => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: error === undefined ? '' : JSON.stringify({ error }),
});
