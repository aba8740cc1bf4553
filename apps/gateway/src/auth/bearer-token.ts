import type { FastifyRequest } from 'fastify';

/** The bearer token from the Authorization header, or Doorkeeper's `access_token` parameter. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match ? match[1] : undefined;
  }
  const fromQuery = (request.query as Record<string, unknown> | undefined)?.access_token;
  if (typeof fromQuery === 'string' && fromQuery) return fromQuery;
  const fromBody = (request.body as Record<string, unknown> | undefined)?.access_token;
  return typeof fromBody === 'string' && fromBody ? fromBody : undefined;
}
