import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { TokenGrant, UserState } from '@mammut/contracts';
import type { FastifyRequest } from 'fastify';

/**
 * Every route declares how it is authorized; the guard refuses routes that do not.
 * - `user`: a user token whose scopes satisfy one of `scopes`;
 * - `registering`: the same, but the user may still await e-mail confirmation or approval (the
 *   confirmation routes a freshly signed-up user calls with its registration token);
 * - `app`: any valid token (app or user) with one of `scopes`;
 * - `optional`: no token needed, but a token that is sent must be valid and is used;
 * - `none`: the route does its own authentication (OAuth endpoints) or needs none (well-known).
 */
export type AuthPolicy =
  | { readonly token: 'user'; readonly scopes: readonly string[]; readonly registering?: true }
  | { readonly token: 'app'; readonly scopes: readonly string[] }
  | { readonly token: 'optional'; readonly scopes: readonly string[] }
  | { readonly token: 'none' };

export const AUTH_POLICY = 'mammut:auth-policy';

export const Auth = {
  user: (...scopes: string[]) => SetMetadata(AUTH_POLICY, { token: 'user', scopes } satisfies AuthPolicy),
  registering: (...scopes: string[]) =>
    SetMetadata(AUTH_POLICY, { token: 'user', scopes, registering: true } satisfies AuthPolicy),
  app: (...scopes: string[]) => SetMetadata(AUTH_POLICY, { token: 'app', scopes } satisfies AuthPolicy),
  optional: (...scopes: string[]) =>
    SetMetadata(AUTH_POLICY, { token: 'optional', scopes } satisfies AuthPolicy),
  none: () => SetMetadata(AUTH_POLICY, { token: 'none' } satisfies AuthPolicy),
};

/** Who is calling: the token's grant (null without a token). */
export interface Viewer {
  readonly grant: TokenGrant | null;
}

export interface AuthedRequest extends FastifyRequest {
  viewer?: Viewer;
}

/** The grant of a route declared `Auth.app`. */
export const Grant = createParamDecorator((_: unknown, ctx: ExecutionContext): TokenGrant => {
  const grant = ctx.switchToHttp().getRequest<AuthedRequest>().viewer?.grant;
  if (!grant) throw new Error('Grant used on a route without a required token');
  return grant;
});

/** The signed-in user of a route declared `Auth.user`. */
export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): UserState => {
  const user = ctx.switchToHttp().getRequest<AuthedRequest>().viewer?.grant?.user;
  if (!user) throw new Error('CurrentUser used on a route without Auth.user');
  return user;
});

/** The viewer's account id on `Auth.optional` routes, or null. */
export const ViewerAccountId = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): string | null =>
    ctx.switchToHttp().getRequest<AuthedRequest>().viewer?.grant?.user?.accountId ?? null,
);
