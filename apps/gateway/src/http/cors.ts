import type { FastifyInstance } from 'fastify';

/** What a browser client may read beside the body: pagination and throttle state, as Mastodon exposes. */
const EXPOSED = 'Link, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, X-Request-Id';
const METHODS = 'GET, POST, PUT, PATCH, DELETE, OPTIONS';
/** How long a browser may reuse a preflight's answer (rack-cors' default). */
const PREFLIGHT_MAX_AGE = '7200';

/**
 * CORS as Mastodon answers it (rack-cors with origins `*` and no credentials), ADR 0013. Only a
 * request that names its `Origin` gets CORS headers: every cross-origin request a browser makes
 * does, while native apps, bots and servers send none and pay nothing. A preflight (OPTIONS with
 * `Origin` and `Access-Control-Request-Method`) on any path is answered here, 204, before routing
 * decides anything; headers are allowed as the browser asks for them (no cookie is ever read on
 * a CORS request, the bearer token is the credential). Responses that fail later (401, 404, 429)
 * keep the headers, so a web client can read the error.
 */
export function registerCors(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    if (request.headers.origin === undefined) {
      done();
      return;
    }
    void reply.header('access-control-allow-origin', '*').header('access-control-expose-headers', EXPOSED);
    if (request.method !== 'OPTIONS' || request.headers['access-control-request-method'] === undefined) {
      done();
      return;
    }
    const requested = request.headers['access-control-request-headers'];
    if (requested !== undefined) void reply.header('access-control-allow-headers', requested);
    void reply
      .header('access-control-allow-methods', METHODS)
      .header('access-control-max-age', PREFLIGHT_MAX_AGE)
      .header('vary', 'Access-Control-Request-Headers')
      .code(204)
      .send();
  });
}
