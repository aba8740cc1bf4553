import type { FastifyRequest } from 'fastify';

const BEARER = /^Bearer /i;

/** A parameter's value when it is a non-blank string (Rails' `present?`). */
function present(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  return text ? text : undefined;
}

/** A parameter as Rails' `params` reads it: the query string's value wins over the body's. */
function param(request: FastifyRequest, name: string): string | undefined {
  return (
    present((request.query as Record<string, unknown> | undefined)?.[name]) ??
    present((request.body as Record<string, unknown> | undefined)?.[name])
  );
}

/**
 * The bearer token, found where Doorkeeper (Mastodon's OAuth server) looks, in its order: the
 * `Authorization: Bearer` header, then the `access_token` parameter, then `bearer_token`. The first
 * source holding a token wins and the others are ignored; another scheme in the header (Basic)
 * is no token, so the parameters are read.
 */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const fromHeader = header && BEARER.test(header) ? present(header.slice(7)) : undefined;
  return fromHeader ?? param(request, 'access_token') ?? param(request, 'bearer_token');
}
