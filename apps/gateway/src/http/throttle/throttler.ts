import { Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { TokenGrant } from '@mammut/contracts';
import { CONFIG, type Config, logger, REDIS } from '@mammut/platform';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { HttpError } from '../errors';
import { exactAddress, THROTTLE_RULES, type ThrottlePhase, type ThrottleRule } from './throttle-rules';

type Checker = ReturnType<FastifyInstance['createRateLimit']>;

interface Count {
  readonly rule: ThrottleRule;
  readonly remaining: number;
  readonly resetAt: number;
  readonly exceeded: boolean;
}

/** The count shown in a request's `X-RateLimit-*` headers so far (the closest to its limit). */
const SHOWN = Symbol('mammut.throttleShown');
type Counted = FastifyRequest & { [SHOWN]?: Count };

const log = logger('gateway:throttle');
const share = (count: Count): number => count.remaining / count.rule.limit;

/**
 * Counts requests against the throttles of THROTTLE_RULES, phase by phase (atomic counters in
 * Redis, through @fastify/rate-limit's store). Past a limit: 429 `Too many requests`, and the
 * request does nothing more. API responses carry the `X-RateLimit-*` headers of the throttle
 * closest to its limit. A Redis outage counts nothing rather than refusing everyone (Mastodon's
 * store fails the same way); sign-in, the one flow that must not go unthrottled, needs Redis for
 * its session anyway and is refused then.
 */
@Injectable()
export class Throttler {
  private checkers?: Map<ThrottleRule, Checker>;
  private readonly safelist: ReadonlySet<string>;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(CONFIG) private readonly config: Config,
    @Inject(REDIS) private readonly redis: Redis,
  ) {
    // Exact addresses, as Mastodon compares them: `::1` is that one address, not its /64.
    this.safelist = new Set(config.rateLimitSafelist.map(exactAddress));
  }

  /** Whether throttles are on at all (the operator may turn them off). */
  get enabled(): boolean {
    return this.config.rateLimits;
  }

  /**
   * Counts the request against the phase's rules; rejects with 429 past any of them. Nothing to
   * wait for (undefined) when nothing is counted: throttles off, Redis away (count nothing rather
   * than make every request wait on its reconnects), or a safelisted address.
   */
  count(
    phase: ThrottlePhase,
    request: FastifyRequest,
    reply: FastifyReply,
    grant: TokenGrant | null,
  ): Promise<void> | undefined {
    if (!this.config.rateLimits || this.redis.status !== 'ready') return undefined;
    if (this.safelist.has(exactAddress(request.ip))) return undefined;
    return this.countRules(phase, request, reply, grant);
  }

  private async countRules(
    phase: ThrottlePhase,
    request: FastifyRequest,
    reply: FastifyReply,
    grant: TokenGrant | null,
  ): Promise<void> {
    const route = request.routeOptions.url ?? '';
    const routed = { method: request.method, route };
    const counts: Count[] = [];
    for (const rule of THROTTLE_RULES) {
      if (rule.phase !== phase || !rule.applies(routed)) continue;
      const subject = rule.subject(request, grant);
      if (subject === undefined) continue;
      const limit = await this.checker(rule, subject)(request);
      if (limit.isAllowed) continue;
      counts.push({
        rule,
        remaining: limit.remaining,
        resetAt: Date.now() + limit.ttl,
        exceeded: limit.isExceeded,
      });
    }
    const exceeded = counts.find((count) => count.exceeded);
    const counted = request as Counted;
    for (const count of exceeded ? [exceeded] : counts) {
      if (exceeded || !counted[SHOWN] || share(count) < share(counted[SHOWN])) counted[SHOWN] = count;
    }
    const shown = counted[SHOWN];
    if (shown && (exceeded || route.startsWith('/api/'))) {
      void reply
        .header('x-ratelimit-limit', String(shown.rule.limit))
        .header('x-ratelimit-remaining', String(shown.remaining))
        .header('x-ratelimit-reset', new Date(shown.resetAt).toISOString());
    }
    if (exceeded) {
      log.info({ rule: exceeded.rule.name, route }, 'throttled');
      throw new HttpError(429, 'Too many requests');
    }
  }

  /**
   * One checker per rule; the subject travels through a per-call key generator bound below,
   * so the store key is `<rule>:<subject>` under the `throttle:` namespace.
   */
  private checker(rule: ThrottleRule, subject: string): (request: FastifyRequest) => ReturnType<Checker> {
    this.checkers ??= new Map();
    let checker = this.checkers.get(rule);
    if (!checker) {
      const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
      checker = fastify.createRateLimit({
        max: rule.limit,
        timeWindow: rule.periodMs,
        keyGenerator: (request) => `${rule.name}:${(request as Keyed)[KEY] ?? ''}`,
        skipOnError: true,
      });
      this.checkers.set(rule, checker);
    }
    const bound = checker;
    return (request) => {
      (request as Keyed)[KEY] = subject;
      return bound(request);
    };
  }
}

/** The subject of the check in progress, read by the rule's key generator. */
const KEY = Symbol('mammut.throttleSubject');
type Keyed = FastifyRequest & { [KEY]?: string };
