import { normalizeIP } from '@fastify/rate-limit';
import { createHash } from 'node:crypto';
import type { TokenGrant } from '@mammut/contracts';
import type { FastifyRequest } from 'fastify';
import { toStr } from '../params';
import { bearerToken } from '../../auth/bearer-token';

/** What a request was routed to: its method and the route pattern (`/api/v1/accounts/:id`), not the raw path. */
export interface RoutedRequest {
  readonly method: string;
  readonly route: string;
}

/**
 * When a rule counts: `request` rules before anything else (by address or what the body says),
 * `authenticated` rules once the token is known valid (by token or user), and `refused` rules
 * for requests whose token was refused, so made-up tokens are counted against their address.
 */
export type ThrottlePhase = 'request' | 'authenticated' | 'refused';

/** One throttle: how many requests of a kind one subject may make in a window. */
export interface ThrottleRule {
  /** Mastodon's rack-attack name, also the counter's key prefix. */
  readonly name: string;
  readonly phase: ThrottlePhase;
  readonly limit: number;
  readonly periodMs: number;
  /** Whether the rule counts this routed request. */
  applies(routed: RoutedRequest): boolean;
  /** Who is counted (an address, a token, a user, an e-mail), or undefined to skip the rule. */
  subject(request: FastifyRequest, grant: TokenGrant | null): string | undefined;
}

const MINUTE = 60_000;

/**
 * Client address (Fastify's `request.ip`: the peer, or what a trusted proxy named); IPv6 cut to
 * its /64, as one host usually holds the whole prefix (Mastodon's `throttleable_remote_ip`).
 */
export const clientAddress = (request: FastifyRequest): string => spelled(request.ip, 64);

/** An address in one spelling (`0:0::1` is `::1`, `::ffff:127.0.0.1` is `127.0.0.1`), never widened. */
export const exactAddress = (address: string): string => spelled(address, 128);

/**
 * normalizeIP runs an IPv6 pattern over every address; a busy gateway sees the same few
 * addresses again and again (its proxies, its heavy clients), so the spellings are remembered.
 */
const spellings = { 64: new Map<string, string>(), 128: new Map<string, string>() };
const MAX_SPELLINGS = 10_000;

function spelled(address: string, prefix: 64 | 128): string {
  const known = spellings[prefix];
  let spelling = known.get(address);
  if (spelling === undefined) {
    spelling = normalizeIP(address, prefix);
    if (known.size >= MAX_SPELLINGS) known.clear();
    known.set(address, spelling);
  }
  return spelling;
}

const digest = (text: string): string => createHash('sha256').update(text).digest('base64url').slice(0, 32);

const isApi = (r: RoutedRequest): boolean => r.route.startsWith('/api/');
const is =
  (method: string, route: string) =>
  (r: RoutedRequest): boolean =>
    r.method === method && r.route === route;

/**
 * The request throttles, as Mastodon's `config/initializers/rack_attack.rb` sets them. Keyed on
 * what the router matched, so `/auth/sign_in.json` or a trailing slash cannot dodge a rule.
 * A valid token is counted per token and per user; the address counts requests without a token
 * and requests whose token was refused.
 */
export const THROTTLE_RULES: readonly ThrottleRule[] = [
  {
    name: 'throttle_unauthenticated_api',
    phase: 'request',
    limit: 300,
    periodMs: 5 * MINUTE,
    applies: isApi,
    subject: (request) => (bearerToken(request) ? undefined : clientAddress(request)),
  },
  {
    // The same budget as above: a request whose token was refused, or never checked, is an
    // unauthenticated one.
    name: 'throttle_unauthenticated_api',
    phase: 'refused',
    limit: 300,
    periodMs: 5 * MINUTE,
    applies: isApi,
    subject: clientAddress,
  },
  {
    name: 'throttle_per_token_api',
    phase: 'authenticated',
    limit: 300,
    periodMs: 5 * MINUTE,
    applies: isApi,
    subject: (_request, grant) => grant?.tokenId,
  },
  {
    // Minting more tokens buys no more: a user's tokens share this.
    name: 'throttle_authenticated_api',
    phase: 'authenticated',
    limit: 1500,
    periodMs: 5 * MINUTE,
    applies: isApi,
    subject: (_request, grant) => grant?.user?.userId,
  },
  {
    // Uploads cost storage and processing: 30 per half hour per user, v1 and v2 together.
    name: 'throttle_api_media',
    phase: 'authenticated',
    limit: 30,
    periodMs: 30 * MINUTE,
    applies: (r) => r.method === 'POST' && (r.route === '/api/v1/media' || r.route === '/api/v2/media'),
    subject: (_request, grant) => grant?.user?.userId,
  },
  {
    // Each proxied request may make the server fetch a remote file: Mastodon's 30 per 10 minutes per address.
    name: 'throttle_media_proxy',
    phase: 'request',
    limit: 30,
    periodMs: 10 * MINUTE,
    applies: (r) => r.route === '/media_proxy/:id/:style',
    subject: clientAddress,
  },
  {
    name: 'throttle_api_sign_up',
    phase: 'request',
    limit: 5,
    periodMs: 30 * MINUTE,
    applies: is('POST', '/api/v1/accounts'),
    subject: clientAddress,
  },
  {
    name: 'throttle_oauth_application_registrations/ip',
    phase: 'request',
    limit: 5,
    periodMs: 10 * MINUTE,
    applies: is('POST', '/api/v1/apps'),
    subject: clientAddress,
  },
  {
    name: 'throttle_email_confirmations/ip',
    phase: 'request',
    limit: 25,
    periodMs: 5 * MINUTE,
    applies: is('POST', '/api/v1/emails/confirmations'),
    subject: clientAddress,
  },
  {
    name: 'throttle_email_confirmations/user',
    phase: 'authenticated',
    limit: 5,
    periodMs: 30 * MINUTE,
    applies: is('POST', '/api/v1/emails/confirmations'),
    subject: (_request, grant) => grant?.user?.userId,
  },
  {
    name: 'throttle_login_attempts/ip',
    phase: 'request',
    limit: 25,
    periodMs: 5 * MINUTE,
    applies: is('POST', '/auth/sign_in'),
    subject: clientAddress,
  },
  {
    name: 'throttle_login_attempts/email',
    phase: 'request',
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
