import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { anyScopeSatisfied, contracts, type TokenGrant, type UserState } from '@mammut/contracts';
import { BUS, type Bus, logger } from '@mammut/platform';
import { AUTH_POLICY, type AuthPolicy, type AuthedRequest } from './auth.decorator';
import { bearerToken } from './bearer-token';
import { Errors, HttpError } from '../http/errors';
import { Throttler } from '../http/throttle/throttle.guard';
import type { FastifyReply } from 'fastify';

const log = logger('gateway:auth');

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

/** Authorization before any work: token, user state and scopes, as the route declared them. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(BUS) private readonly bus: Bus,
    private readonly throttler: Throttler,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const policy = this.reflector.getAllAndOverride<AuthPolicy | undefined>(AUTH_POLICY, [
      context.getHandler(),
      context.getClass(),
    ]);
    const request = context.switchToHttp().getRequest<AuthedRequest>();
    if (!policy) {
      // Fail closed: a route that forgot to declare its policy is not served.
      log.error({ url: request.url }, 'route without an auth policy');
      throw Errors.notAllowed();
    }
    if (policy.token === 'none') return true;
    const token = bearerToken(request);
    if (!token) {
      if (policy.token === 'optional') {
        request.viewer = { grant: null };
        return true;
      }
      throw Errors.invalidToken();
    }
    const { grant } = await this.bus.request(contracts.accounts.profiles.authenticateToken, { token });
    if (!grant) {
      // A made-up token is an unauthenticated request: counted against its address (429 past it).
      await this.throttler.count(
        'refused',
        request,
        context.switchToHttp().getResponse<FastifyReply>(),
        null,
      );
      throw Errors.invalidToken();
    }
    this.authorize(policy, grant);
    request.viewer = { grant };
    return true;
  }

  private authorize(policy: Exclude<AuthPolicy, { token: 'none' }>, grant: TokenGrant): void {
    if (grant.user) assertUserUsable(grant.user, policy.token === 'user' && policy.registering === true);
    if (policy.token === 'user' && !grant.user) throw Errors.userRequired();
    if (policy.scopes.length && !anyScopeSatisfied(grant.scopes, policy.scopes)) throw Errors.outsideScopes();
  }
}
