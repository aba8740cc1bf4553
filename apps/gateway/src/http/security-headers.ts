import helmet, { type HelmetOptions } from 'helmet';
import type { FastifyReply } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The headers helmet sets for `options`, worked out once. They depend on the options alone, not
 * on the request, so every response gets the same object; running helmet's middleware chain (and
 * @fastify/helmet's per-request reply decoration) on each request cost more than the route.
 */
export function securityHeaders(options: HelmetOptions): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader(name: string, value: string | number | readonly string[]): void {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string): void {
      delete headers[name.toLowerCase()];
    },
  };
  let finished = false;
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error instanceof Error ? error : new Error('helmet refused its options');
    finished = true;
  });
  // Helmet's middleware is synchronous; were it ever not, these headers would be incomplete.
  if (!finished) throw new Error('helmet did not finish synchronously');
  return Object.freeze(headers);
}

/**
 * What an image response adds: web clients on other origins show our images, and a page of theirs
 * that isolates itself (`Cross-Origin-Embedder-Policy`) loads only resources that say so.
 */
export function imageHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('cross-origin-resource-policy', 'cross-origin')
    .header('x-content-type-options', 'nosniff');
}
