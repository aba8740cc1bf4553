import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, MODULE_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import type { Type } from '@nestjs/common';
import { seedUser } from '../../../../test-e2e/support/factories';
import { clientCredentialsToken, createApp } from '../../../../test-e2e/support/oauth';
import { startTestSystem, type TestSystem } from '../../../../test-e2e/support/system';
import { GatewayModule } from '../gateway.module';
import { AUTH_POLICY, type AuthPolicy } from './auth.decorator';

jest.setTimeout(120_000);

interface Route {
  readonly method: string;
  readonly path: string;
  readonly policy: AuthPolicy | undefined;
}

/** Every route the gateway serves, read from its controllers' Nest metadata. */
function gatewayRoutes(): Route[] {
  const controllers = (Reflect.getMetadata(MODULE_METADATA.CONTROLLERS, GatewayModule) ?? []) as Type[];
  return controllers.flatMap((controller) => {
    const prefix = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
    const proto = controller.prototype as object;
    return Object.getOwnPropertyNames(proto).flatMap((name) => {
      // Descriptors, not property reads: a getter would run against the bare prototype.
      const handler: unknown = Object.getOwnPropertyDescriptor(proto, name)?.value;
      if (typeof handler !== 'function' || name === 'constructor') return [];
      const paths = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (paths === undefined || method === undefined) return [];
      const policy = (Reflect.getMetadata(AUTH_POLICY, handler) ??
        Reflect.getMetadata(AUTH_POLICY, controller)) as AuthPolicy | undefined;
      return [paths].flat().map((path) => ({
        method: RequestMethod[method],
        path: `/${[prefix, path].filter((p) => p && p !== '/').join('/')}`.replace(/\/+/g, '/'),
        policy,
      }));
    });
  });
}

/** A concrete URL for a route pattern: ids that name nothing (authorization comes first). */
const concrete = (path: string): string => path.replace(/:[a-z_]+/gi, '99999');

/**
 * The route inventory (security rule: every route declares its scope and checks it). Each route
 * has a policy; each one needing a token refuses none (401), a token without its scopes (403) and,
 * when it needs a user, an app-only token (422), before doing anything else.
 */
describe('route policies', () => {
  const routes = gatewayRoutes();
  const guarded = routes.filter(
    (r): r is Route & { policy: Exclude<AuthPolicy, { token: 'none' | 'optional' }> } =>
      r.policy?.token === 'user' || r.policy?.token === 'app',
  );
  let t: TestSystem;
  let pushOnly: string;
  let appOnly: string;

  beforeAll(async () => {
    t = await startTestSystem();
    pushOnly = (await seedUser(t, { username: 'pushy', scopes: ['push'] })).token;
    const app = await createApp(t.url, { scopes: 'read write follow' });
    appOnly = await clientCredentialsToken(t.url, app, 'read write follow');
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('finds the routes, and every one declares a policy', () => {
    expect(routes.length).toBeGreaterThan(50);
    expect(routes.filter((r) => !r.policy).map((r) => `${r.method} ${r.path}`)).toEqual([]);
    expect(guarded.length).toBeGreaterThan(25);
  });

  const call = (route: Route, token?: string): Promise<Response> =>
    fetch(`${t.url}${concrete(route.path)}`, {
      method: route.method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(route.method === 'GET' || route.method === 'DELETE'
          ? {}
          : { 'content-type': 'application/json' }),
      },
      ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { body: '{}' }),
    });

  /** The routes among `routes` that did not answer `status` with Mastodon's `error`, when called with `token`. */
  const mismatches = async (
    routes: readonly Route[],
    token: string | undefined,
    status: number,
    error: string,
  ): Promise<string[]> => {
    const wrong: string[] = [];
    for (const route of routes) {
      const response = await call(route, token);
      const body = (await response.json()) as { error?: string };
      if (response.status !== status || body.error !== error) {
        wrong.push(`${route.method} ${route.path}: ${response.status} ${body.error}`);
      }
    }
    return wrong;
  };

  it('refuses every guarded route without a token, with Mastodon’s 401', async () => {
    expect(await mismatches(guarded, undefined, 401, 'The access token is invalid')).toEqual([]);
  });

  it('refuses every guarded route to a token without its scopes (403)', async () => {
    const scoped = guarded.filter((r) => r.policy.scopes.length && !r.policy.scopes.includes('push'));
    expect(await mismatches(scoped, pushOnly, 403, 'This action is outside the authorized scopes')).toEqual(
      [],
    );
  });

  it('refuses every user route to an app-only token (422)', async () => {
    const userRoutes = guarded.filter((r) => r.policy.token === 'user');
    expect(await mismatches(userRoutes, appOnly, 422, 'This method requires an authenticated user')).toEqual(
      [],
    );
  });
});
