import rateLimit from '@fastify/rate-limit';
import websocket from '@fastify/websocket';
import { type DynamicModule, type INestApplication, Module, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { logger, PlatformModule, recordHttpRoute, type Runtime, tracingActive } from '@mammut/platform';
import { randomUUID } from 'node:crypto';
import { registerCors } from './cors';
import { securityHeaders } from './security-headers';
import { BODY_LIMIT, parseQuery, registerBodyParsers } from './body-parsers';
import { headerSafeUri } from './header-safe';

const log = logger('gateway:http');

export interface GatewayAppOptions {
  /** The service modules to host in this process (all of them in the all-in-one runner). */
  readonly modules: Array<Type | DynamicModule>;
  readonly gatewayModule?: Type | DynamicModule;
}

/** Builds the Fastify-backed Nest application: body parsing, CORS, errors, then the modules. */
export async function createGatewayApp(
  runtime: Runtime,
  options: GatewayAppOptions,
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT,
    // Only the operator's proxies may name the client address (throttles and logs key on it);
    // from anyone else X-Forwarded-For is ignored. See TRUSTED_PROXY_IPS.
    trustProxy: runtime.config.trustedProxies.length ? [...runtime.config.trustedProxies] : false,
    routerOptions: {
      ignoreTrailingSlash: true,
      maxParamLength: 500,
      querystringParser: (query: string) => parseQuery(query),
    },
    genReqId: () => randomUUID(),
    logger: false,
    // No Nest middleware anywhere: @fastify/middie's hook would run an empty chain on every request.
    skipMiddie: true,
  });
  @Module({
    imports: [
      PlatformModule.forRuntime(runtime),
      ...options.modules,
      ...(options.gatewayModule ? [options.gatewayModule] : []),
    ],
  })
  class RootModule {}
  const app = await NestFactory.create<NestFastifyApplication>(RootModule, adapter, {
    bodyParser: false,
    logger: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  registerCors(fastify);
  // Mastodon's security headers on every response, and only those: each header is paid for on
  // every request, by us and by every client. HTML pages add their CSP and opener policy, images
  // their resource policy (security-headers.ts).
  const security = securityHeaders({
    contentSecurityPolicy: false,
    crossOriginEmbedderPolicy: false,
    crossOriginOpenerPolicy: false,
    crossOriginResourcePolicy: false,
    originAgentCluster: false,
    dnsPrefetchControl: false,
    ieNoOpen: false,
    permittedCrossDomainPolicies: false,
    referrerPolicy: { policy: 'same-origin' },
    frameguard: { action: 'deny' },
    strictTransportSecurity: runtime.config.publicOrigin.startsWith('https:')
      ? { maxAge: 31_536_000, includeSubDomains: false }
      : false,
  });
  await registerBodyParsers(fastify);
  // The streaming API's WebSocket upgrades (its routes: streaming/streaming.gateway.ts). Registered
  // here with the other plugins, before Nest adds its routes and its error handler.
  await fastify.register(websocket, { options: { maxPayload: 64 * 1024 } });
  // The store the Throttler counts in: atomic counters in Redis, shared by every gateway replica.
  await fastify.register(rateLimit, {
    global: false,
    redis: runtime.redis,
    nameSpace: 'throttle:',
    skipOnError: true,
  });
  // Told once per process: behind a proxy that is not trusted, every client looks like the proxy.
  let untrustedForwardingTold = false;
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.headers(security).header('x-request-id', request.id);
    // Names the request's trace after its route template (`GET /api/v1/accounts/:id`), not its URL.
    if (tracingActive() && request.routeOptions.url) recordHttpRoute(request.routeOptions.url);
    if (
      !untrustedForwardingTold &&
      request.headers['x-forwarded-for'] !== undefined &&
      request.ip === request.socket.remoteAddress
    ) {
      untrustedForwardingTold = true;
      log.warn(
        { peer: request.ip },
        'X-Forwarded-For ignored: the peer is not in TRUSTED_PROXY_IPS (set it to your reverse proxies)',
      );
    }
    done();
  });
  const { metrics } = runtime;
  if (metrics.enabled) {
    // Under the route template, so that a series stands for a route, not for each id in a URL.
    fastify.addHook('onResponse', (request, reply, done) => {
      const route = request.routeOptions.url ?? 'unmatched';
      metrics.recordHttpRequest(route, request.method, reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
  }
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    // A redirect may name what a client registered or sent: written as a browser would send it,
    // so it can neither split the response nor make Node refuse to write it.
    const location = reply.getHeader('location');
    if (typeof location === 'string') void reply.header('location', headerSafeUri(location));
    done(null, asBytes(payload));
  });
  return app;
}

export type GatewayApp = INestApplication;

/** From this length on, a text body is sent as the bytes it encodes to (asBytes). */
const LARGE_TEXT = 8 * 1024;

/**
 * A large text body as its UTF-8 bytes, encoded once outside the JavaScript heap. Sent as text,
 * Node prepends the response head to it (a new string the length of the body) and the socket
 * write then copies that into one flat string before encoding it, while Fastify's length count
 * flattens the body again: three copies of a timeline page on the heap, each young garbage. The
 * content type is already set when onSend runs, so the bytes go out as the text would.
 */
function asBytes(payload: unknown): unknown {
  return typeof payload === 'string' && payload.length >= LARGE_TEXT ? Buffer.from(payload) : payload;
}
