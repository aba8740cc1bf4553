import { normalizeIP } from '@fastify/rate-limit';
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { toStr } from '../params';
import { bearerToken } from '../../auth/auth.guard';

/** What a request was routed to: its method and the route pattern (`/api/v1/accounts/:id`), not the raw path. */
export interface RoutedRequest {
  readonly method: string;
  readonly route: string;
}

/** One throttle: how many requests of a kind one subject may make in a window. */
export interface ThrottleRule {
  /** Mastodon's rack-attack name, also the counter's key prefix. */
  readonly name: string;
  readonly limit: number;
  readonly periodMs: number;
  /** Whether the rule counts this routed request. */
  applies(routed: RoutedRequest): boolean;
  /** Who is counted (an address, a token digest, an e-mail), or undefined to skip the rule. */
  subject(request: FastifyRequest): string | undefined;
}

const MINUTE = 60_000;

/** Client address; IPv6 cut to its /64, as one host usually holds the whole prefix. */
export const clientAddress = (request: FastifyRequest): string => normalizeIP(request.ip, 64);

const digest = (text: string): string => createHash('sha256').update(text).digest('base64url').slice(0, 32);

const isApi = (r: RoutedRequest): boolean => r.route.startsWith('/api/');
const is =
  (method: string, route: string) =>
  (r: RoutedRequest): boolean =>
    r.method === method && r.route === route;

/**
 * The request throttles, as Mastodon's `config/initializers/rack_attack.rb` sets them. Keyed on
 * what the router matched, so `/auth/sign_in.json` or a trailing slash cannot dodge a rule.
 * A request carrying a token is counted per token; the address counts requests without one.
 */
export const THROTTLE_RULES: readonly ThrottleRule[] = [
  {
    name: 'throttle_per_token_api',
    limit: 300,
    periodMs: 5 * MINUTE,
    applies: isApi,
    subject: (request) => {
      const token = bearerToken(request);
      return token ? digest(token) : undefined;
    },
  },
  {
    name: 'throttle_unauthenticated_api',
    limit: 300,
    periodMs: 5 * MINUTE,
    applies: isApi,
    subject: (request) => (bearerToken(request) ? undefined : clientAddress(request)),
  },
  {
    name: 'throttle_api_sign_up',
    limit: 5,
    periodMs: 30 * MINUTE,
    applies: is('POST', '/api/v1/accounts'),
    subject: clientAddress,
  },
  {
    name: 'throttle_oauth_application_registrations/ip',
    limit: 5,
    periodMs: 10 * MINUTE,
    applies: is('POST', '/api/v1/apps'),
    subject: clientAddress,
  },
  {
    name: 'throttle_email_confirmations/ip',
    limit: 25,
    periodMs: 5 * MINUTE,
    applies: is('POST', '/api/v1/emails/confirmations'),
    subject: clientAddress,
  },
  {
    // Per user in Mastodon; the registration token is the only one an unconfirmed user holds.
    name: 'throttle_email_confirmations/token',
    limit: 5,
    periodMs: 30 * MINUTE,
    applies: is('POST', '/api/v1/emails/confirmations'),
    subject: (request) => {
      const token = bearerToken(request);
      return token ? digest(token) : undefined;
    },
  },
  {
    name: 'throttle_login_attempts/ip',
    limit: 25,
    periodMs: 5 * MINUTE,
    applies: is('POST', '/auth/sign_in'),
    subject: clientAddress,
  },
  {
    name: 'throttle_login_attempts/email',
    limit: 25,
    periodMs: 60 * MINUTE,
    applies: is('POST', '/auth/sign_in'),
    subject: (request) => {
      // Exactly the address the sign-in checks (cut, then trimmed), so padding cannot make new buckets.
      const email = toStr((request.body as Record<string, unknown> | undefined)?.email)
        ?.slice(0, 320)
        .trim()
        .toLowerCase();
      return email ? digest(email) : undefined;
    },
  },
];
