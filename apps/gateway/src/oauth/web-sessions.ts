import { Inject, Injectable } from '@nestjs/common';
import { contracts } from '@mammut/contracts';
import { BUS, type Bus, CONFIG, type Config, REDIS } from '@mammut/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { HttpError } from '../http/errors';

export const SESSION_COOKIE = '_mammut_session';
/** A browser session lasts a week; signing in again is cheap, a stolen cookie should not live forever. */
export const SESSION_TTL_SECONDS = 7 * 24 * 3600;

/** The gateway's Redis keys for web sessions, in one place. */
export const webSessionKey = (id: string): string => `gateway:web_session:${id}`;

export interface WebSession {
  readonly id: string;
  /** Bound to the session: every form posted by this browser must carry it. */
  readonly csrf: string;
  /** Null before sign-in: the anonymous session only carries the sign-in form's CSRF token. */
  readonly userId: string | null;
}

const sameText = (a: string, b: string): boolean => {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
};

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

/**
 * Browser sessions for the sign-in and consent pages: kept in Redis with a TTL, referenced by an
 * HMAC-signed, HttpOnly, SameSite=Lax cookie so a forged id is refused before Redis is asked.
 * Without Redis there are no sessions: the pages answer 503 at once rather than wait on reconnects.
 * A signed-in session lasts only as long as its user could sign in: each use asks the accounts
 * service, so a user disabled, suspended or deleted since (by the API, the CLI or by hand in
 * the database) finds the session ended, and can neither consent nor obtain a code with it.
 */
@Injectable()
export class WebSessions {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(CONFIG) private readonly config: Config,
    @Inject(BUS) private readonly bus: Bus,
  ) {}

  async read(request: FastifyRequest): Promise<WebSession | null> {
    const cookie = cookieValue(request.headers.cookie, SESSION_COOKIE);
    const dot = cookie?.lastIndexOf('.') ?? -1;
    if (!cookie || dot <= 0) return null;
    const id = cookie.slice(0, dot);
    if (!sameText(cookie.slice(dot + 1), this.sign(id))) return null;
    const stored = await this.store(() => this.redis.get(webSessionKey(id)));
    if (!stored) return null;
    const data = JSON.parse(stored) as { csrf: string; userId: string | null };
    if (data.userId !== null && !(await this.maySignIn(data.userId))) {
      await this.store(() => this.redis.del(webSessionKey(id)));
      return null;
    }
    return { id, csrf: data.csrf, userId: data.userId };
  }

  private async maySignIn(userId: string): Promise<boolean> {
    const { states } = await this.bus.request(contracts.accounts.oauth.getSignInStates, {
      userIds: [userId],
    });
    return states[0]?.refused === null;
  }

  /** A new session (a new id every time, so signing in never keeps an id an attacker could have set). */
  async start(reply: FastifyReply, userId: string | null, previous?: WebSession | null): Promise<WebSession> {
    if (previous) await this.store(() => this.redis.del(webSessionKey(previous.id)));
    const session: WebSession = {
      id: randomBytes(24).toString('base64url'),
      csrf: randomBytes(24).toString('base64url'),
      userId,
    };
    await this.store(() =>
      this.redis.set(
        webSessionKey(session.id),
        JSON.stringify({ csrf: session.csrf, userId }),
        'EX',
        SESSION_TTL_SECONDS,
      ),
    );
    const secure = this.config.publicOrigin.startsWith('https:') ? '; Secure' : '';
    void reply.header(
      'set-cookie',
      `${SESSION_COOKIE}=${session.id}.${this.sign(session.id)}; Path=/; Max-Age=${SESSION_TTL_SECONDS}; HttpOnly; SameSite=Lax${secure}`,
    );
    return session;
  }

  /** The existing session, or a new anonymous one when there is none. */
  async ensure(request: FastifyRequest, reply: FastifyReply): Promise<WebSession> {
    return (await this.read(request)) ?? this.start(reply, null);
  }

  csrfMatches(session: WebSession | null, token: unknown): boolean {
    return session !== null && typeof token === 'string' && token.length > 0 && sameText(token, session.csrf);
  }

  /** Refuses at once while Redis is away, rather than waiting on its reconnects; its errors are 503s. */
  private store<T>(work: () => Promise<T>): Promise<T> {
    if (this.redis.status !== 'ready') throw new HttpError(503, 'Service unavailable');
    return work();
  }

  private sign(id: string): string {
    return createHmac('sha256', this.config.secretKeyBase).update(`web-session:${id}`).digest('base64url');
  }
}
