import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { anyScopeSatisfied, contracts, type TokenGrant, type UserState } from '@mammut/contracts';
import { BUS, type Bus, logger } from '@mammut/platform';
import { AUTH_POLICY, type AuthPolicy, type AuthedRequest } from './auth.decorator';
import { Errors, HttpError } from '../http/errors';

const log = logger('gateway:auth');

/** The bearer token from the Authorization header, or Doorkeeper's `access_token` parameter. */
export function bearerToken(request: AuthedRequest): string | undefined {
  const header = request.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match ? match[1] : undefined;
  }
  const fromQuery = (request.query as Record<string, unknown> | undefined)?.access_token;
  if (typeof fromQuery === 'string' && fromQuery) return fromQuery;
  const fromBody = (request.body as Record<string, unknown> | undefined)?.access_token;
  return typeof fromBody === 'string' && fromBody ? fromBody : undefined;
}

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
    if (!grant) throw Errors.invalidToken();
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
