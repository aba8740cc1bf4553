import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { anyScopeSatisfied, type TokenGrant, type UserState } from '@mammut/contracts';
import { logger } from '@mammut/platform';
import { AUTH_POLICY, type AuthPolicy, type AuthedRequest, type Viewer } from './auth.decorator';
import { bearerToken } from './bearer-token';
import { BearerStrategy } from './bearer.strategy';
import { Errors, HttpError } from '../http/errors';
import { Throttler } from '../http/throttle/throttler';
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
 * Admission of every request, in Mastodon's order, before any work: throttles by address first (a
 * refused token or a malformed request is still a request), then the route's declared policy with
 * the bearer token through passport (BearerStrategy), the user's state and the token's scopes, then
 * throttles by token and user. Refused tokens are counted against the client's address, so
 * guessing tokens runs into the unauthenticated throttle. One guard rather than three: every API
 * request passes here, and each guard Nest runs costs a context and a promise.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  /** Each handler's policy, read from its metadata once. */
  private readonly policies = new WeakMap<object, AuthPolicy | null>();

  constructor(
    private readonly reflector: Reflector,
    private readonly bearer: BearerStrategy,
    private readonly throttler: Throttler,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<AuthedRequest>();
    const reply = http.getResponse<FastifyReply>();
    await this.throttler.count('request', request, reply, null);
    const policy = this.policyOf(context);
    if (!policy) {
      // Fail closed: a route that forgot to declare its policy is not served.
      log.error({ url: request.url }, 'route without an auth policy');
      throw Errors.notAllowed();
    }
    const grant = policy.token === 'none' ? null : await this.authenticate(policy, request, reply);
    await this.countAuthenticated(request, reply, grant);
    return true;
  }

  private policyOf(context: ExecutionContext): AuthPolicy | null {
    const handler = context.getHandler();
    let policy = this.policies.get(handler);
    if (policy === undefined) {
      policy =
        this.reflector.getAllAndOverride<AuthPolicy | undefined>(AUTH_POLICY, [
          handler,
          context.getClass(),
        ]) ?? null;
      this.policies.set(handler, policy);
    }
    return policy;
  }

  /** The grant the request's token carries, checked against the policy; null when optional and absent. */
  private async authenticate(
    policy: Exclude<AuthPolicy, { token: 'none' }>,
    request: AuthedRequest,
    reply: FastifyReply,
  ): Promise<TokenGrant | null> {
    const outcome = await this.bearer.authenticateRequest(request, reply);
    if ('refused' in outcome) {
      if (outcome.refused === 'missing' && policy.token === 'optional') {
        request.viewer = ANONYMOUS;
        return null;
      }
      // A made-up token is an unauthenticated request: counted against its address (429 past it).
      if (outcome.refused === 'invalid') await this.throttler.count('refused', request, reply, null);
      throw Errors.invalidToken();
    }
    this.authorize(policy, outcome.grant);
    request.viewer = { grant: outcome.grant };
    return outcome.grant;
  }

  private authorize(policy: Exclude<AuthPolicy, { token: 'none' }>, grant: TokenGrant): void {
    if (grant.user) assertUserUsable(grant.user, policy.token === 'user' && policy.registering === true);
    if (policy.token === 'user' && !grant.user) throw Errors.userRequired();
    if (policy.scopes.length && !anyScopeSatisfied(grant.scopes, policy.scopes)) throw Errors.outsideScopes();
  }

  /**
   * Throttles by token and by user. On routes that need no token, a token sent along is looked up
   * all the same (as Mastodon's throttles do): a valid one is counted per token and user, a
   * made-up one against the address.
   */
  private async countAuthenticated(
    request: AuthedRequest,
    reply: FastifyReply,
    checked: TokenGrant | null,
  ): Promise<void> {
    if (!this.throttler.enabled) return;
    let grant = checked;
    const token = grant ? undefined : bearerToken(request);
    if (token && request.routeOptions.url?.startsWith('/api/')) {
      grant = (await this.bearer.validate(token)) || null;
      if (!grant) await this.throttler.count('refused', request, reply, null);
    }
    if (grant) await this.throttler.count('authenticated', request, reply, grant);
  }
}
