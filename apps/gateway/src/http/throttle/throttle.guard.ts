import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { CONFIG, type Config, logger, REDIS } from '@mammut/platform';
import type { Redis } from 'ioredis';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { normalizeIP } from '@fastify/rate-limit';
import { HttpError } from '../errors';
import { clientAddress, THROTTLE_RULES, type ThrottleRule } from './throttle-rules';

type Checker = ReturnType<FastifyInstance['createRateLimit']>;

interface Count {
  readonly rule: ThrottleRule;
  readonly remaining: number;
  readonly resetAt: number;
  readonly exceeded: boolean;
}

const log = logger('gateway:throttle');

/**
 * Counts each request against every throttle that applies to its route (atomic counters in Redis,
 * through @fastify/rate-limit's store) before any other work, including authentication. Past a
 * limit: 429 `Too many requests`, and the request does nothing. API responses carry the
 * `X-RateLimit-*` headers of the throttle closest to its limit. A Redis outage counts nothing
 * rather than refusing everyone (Mastodon's store fails the same way); sign-in, the one flow
 * that must not go unthrottled, needs Redis for its session anyway and is refused then.
 */
@Injectable()
export class ThrottleGuard implements CanActivate {
  private checkers?: Map<ThrottleRule, Checker>;
  private readonly safelist: ReadonlySet<string>;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(CONFIG) private readonly config: Config,
    @Inject(REDIS) private readonly redis: Redis,
  ) {
    // Compared after the same normalisation as client addresses (IPv6 cut to /64).
    this.safelist = new Set(config.rateLimitSafelist.map((address) => normalizeIP(address, 64)));
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (!this.config.rateLimits) return true;
    // Redis away: count nothing rather than make every request wait on its reconnects.
    if (this.redis.status !== 'ready') return true;
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    if (this.safelist.has(clientAddress(request))) return true;
    const routed = { method: request.method, route: request.routeOptions.url ?? '' };
    const counts: Count[] = [];
    for (const rule of THROTTLE_RULES) {
      if (!rule.applies(routed)) continue;
      const subject = rule.subject(request);
      if (subject === undefined) continue;
      const limit = await this.checker(rule)(request);
      if (limit.isAllowed) continue;
      counts.push({
        rule,
        remaining: limit.remaining,
        resetAt: Date.now() + limit.ttl,
        exceeded: limit.isExceeded,
      });
    }
    const exceeded = counts.find((count) => count.exceeded);
    const shown = exceeded ?? closest(counts);
    if (shown && (exceeded || routed.route.startsWith('/api/'))) {
      setHeaders(http.getResponse<FastifyReply>(), shown);
    }
    if (exceeded) {
      log.info({ rule: exceeded.rule.name, route: routed.route }, 'throttled');
      throw new HttpError(429, 'Too many requests');
    }
    return true;
  }

  private checker(rule: ThrottleRule): Checker {
    this.checkers ??= new Map();
    let checker = this.checkers.get(rule);
    if (!checker) {
      const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
      checker = fastify.createRateLimit({
        max: rule.limit,
        timeWindow: rule.periodMs,
        // Only called for requests whose subject was found above.
        keyGenerator: (request) => `${rule.name}:${rule.subject(request) ?? ''}`,
        skipOnError: true,
      });
      this.checkers.set(rule, checker);
    }
    return checker;
  }
}

const closest = (counts: readonly Count[]): Count | undefined =>
  counts.reduce<Count | undefined>(
    (best, count) =>
      !best || count.remaining / count.rule.limit < best.remaining / best.rule.limit ? count : best,
    undefined,
  );

function setHeaders(reply: FastifyReply, count: Count): void {
  void reply
    .header('x-ratelimit-limit', String(count.rule.limit))
    .header('x-ratelimit-remaining', String(count.remaining))
    .header('x-ratelimit-reset', new Date(count.resetAt).toISOString());
}
