import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { anyScopeSatisfied, type TokenGrant, type UserState } from '@mammut/contracts';
import { logger } from '@mammut/platform';
import { AUTH_POLICY, type AuthPolicy, type AuthedRequest, type Viewer } from './auth.decorator';
import { BearerStrategy } from './bearer.strategy';
import { Errors, HttpError } from '../http/errors';
import { Throttler } from '../http/throttle/throttle.guard';
import type { FastifyReply } from 'fastify';

const log = logger('gateway:auth');

/** The viewer of a request without a token, on routes where one is optional. */
const ANONYMOUS: Viewer = Object.freeze({ grant: null });

/**
 * Mastodon refuses users who cannot sign in, with a distinct message for each reason. A user
 * still registering (unconfirmed or awaiting approval) passes where the route allows it.
 */
export function assertUserUsable(user: UserState, registering = false): void {
  if (user.disabled || user.suspended) throw new HttpError(403, 'Your login is currently disabled');
  if (registering) return;
  if (!user.confirmed) throw new HttpError(403, 'Your login is missing a confirmed e-mail address');
  if (!user.approved) throw new HttpError(403, 'Your login is currently pending approval');
}

/**
 * Authorization before any work, as the route declared it: the bearer token through passport
 * (BearerStrategy), then the user's state and the token's scopes. Refused tokens are counted
 * against the client's address, so guessing tokens runs into the unauthenticated throttle.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly bearer: BearerStrategy,
    private readonly throttler: Throttler,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const policy = this.reflector.getAllAndOverride<AuthPolicy | undefined>(AUTH_POLICY, [
      context.getHandler(),
      context.getClass(),
    ]);
    const http = context.switchToHttp();
    const request = http.getRequest<AuthedRequest>();
    if (!policy) {
      // Fail closed: a route that forgot to declare its policy is not served.
      log.error({ url: request.url }, 'route without an auth policy');
      throw Errors.notAllowed();
    }
    if (policy.token === 'none') return true;
    const reply = http.getResponse<FastifyReply>();
    const outcome = await this.bearer.authenticateRequest(request, reply);
    if ('refused' in outcome) {
      if (outcome.refused === 'missing' && policy.token === 'optional') {
        request.viewer = ANONYMOUS;
        return true;
      }
      // A made-up token is an unauthenticated request: counted against its address (429 past it).
      if (outcome.refused === 'invalid') await this.throttler.count('refused', request, reply, null);
      throw Errors.invalidToken();
    }
    this.authorize(policy, outcome.grant);
    request.viewer = { grant: outcome.grant };
    return true;
  }

  private authorize(policy: Exclude<AuthPolicy, { token: 'none' }>, grant: TokenGrant): void {
    if (grant.user) assertUserUsable(grant.user, policy.token === 'user' && policy.registering === true);
    if (policy.token === 'user' && !grant.user) throw Errors.userRequired();
    if (policy.scopes.length && !anyScopeSatisfied(grant.scopes, policy.scopes)) throw Errors.outsideScopes();
  }
}
