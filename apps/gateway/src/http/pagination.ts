import type { FastifyReply, FastifyRequest } from 'fastify';
import qs from 'qs';
import { toCursor, toLimit } from './params';

export interface PageParams {
  readonly maxId?: string;
  readonly sinceId?: string;
  readonly minId?: string;
  readonly limit: number;
}

export function pageParams(query: Record<string, unknown>, defaultLimit: number, max: number): PageParams {
  return {
    maxId: toCursor(query.max_id),
    sinceId: toCursor(query.since_id),
    minId: toCursor(query.min_id),
    limit: toLimit(query.limit, defaultLimit, max),
  };
}

/**
 * Sets Mastodon's `Link` header for a page given its first (newest) and last (oldest) cursors:
 * absolute URLs on the public origin, other query parameters kept, old cursors dropped.
 */
export function setLinkHeader(
  request: FastifyRequest,
  reply: FastifyReply,
  origin: string,
  cursors: { newest?: string; oldest?: string },
  options: { next?: boolean } = {},
): void {
  if (!cursors.newest || !cursors.oldest) return;
  const [path] = request.url.split('?');
  const query = { ...(request.query as Record<string, unknown>) };
  delete query.max_id;
  delete query.min_id;
  delete query.since_id;
  const link = (extra: Record<string, string>): string =>
    `${origin}${path}?${qs.stringify({ ...query, ...extra }, { arrayFormat: 'brackets', encode: true })}`;
  const prev = `<${link({ min_id: cursors.newest })}>; rel="prev"`;
  const next = options.next === false ? undefined : `<${link({ max_id: cursors.oldest })}>; rel="next"`;
  void reply.header('link', next ? `${next}, ${prev}` : prev);
}
