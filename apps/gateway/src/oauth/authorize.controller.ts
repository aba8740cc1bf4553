import { Body, Controller, Delete, Get, Inject, Post, Query, Req, Res } from '@nestjs/common';
import { contracts } from '@mammut/contracts';
import { BUS, type Bus } from '@mammut/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Auth } from '../auth/auth.decorator';
import { toBool, toStr } from '../http/params';
import {
  type AuthorizeCheck,
  authorizeParamsOf,
  checkAuthorization,
  describeOAuthError,
  OOB_REDIRECT_URI,
  type ValidAuthorization,
  withQuery,
} from './oauth-protocol';
import {
  codePage,
  consentPage,
  messagePage,
  type PageLanguage,
  pageLanguage,
  sendPage,
  signInPage,
} from './pages';
import { INVALID_CSRF_MESSAGE } from './sign-in.controller';
import { type WebSession, WebSessions } from './web-sessions';

const redirect = (reply: FastifyReply, location: string): void => {
  void reply.status(302).header('location', location).header('cache-control', 'no-store').send();
};

/**
 * `/oauth/authorize`: the browser half of the authorization-code flow (sign in, consent, code).
 * Everything a client sent is checked again when the consent form comes back.
 */
@Controller()
export class AuthorizeController {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    private readonly sessions: WebSessions,
  ) {}

  @Get('oauth/authorize')
  @Auth.none()
  async show(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query() query: Record<string, unknown>,
  ): Promise<void> {
    const lang = pageLanguage(toStr(query.lang));
    const check = await this.check(query);
    if (check.kind !== 'ok') return this.refuse(reply, lang, check);
    const session = await this.sessions.ensure(request, reply);
    if (!session.userId || toBool(query.force_login)) {
      return sendPage(reply, 200, signInPage({ lang, csrf: session.csrf, returnTo: this.returnTo(request) }));
    }
    const a = check.authorization;
    // Asked again for what the user already granted this client: no second consent (Doorkeeper's
    // matching token), straight back to the client with a code.
    const { authorized } = await this.bus.request(contracts.accounts.oauth.findPriorAuthorization, {
      userId: session.userId,
      clientId: a.app.clientId,
      scopes: a.scopes,
    });
    if (authorized) return this.approve(reply, session, a);
    sendPage(
      reply,
      200,
      consentPage({
        lang,
        csrf: session.csrf,
        appName: a.app.name,
        appWebsite: a.app.website,
        scopes: a.scopes,
        request: {
          client_id: a.app.clientId,
          redirect_uri: a.redirectUri,
          response_type: 'code',
          scope: a.scopes.join(' '),
          state: a.state ?? null,
          code_challenge: a.codeChallenge,
          code_challenge_method: a.codeChallengeMethod,
          lang,
        },
      }),
    );
  }

  @Post('oauth/authorize')
  @Auth.none()
  async approveOrDeny(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Body() body: Record<string, unknown> | undefined,
  ): Promise<void> {
    // HTML forms cannot send DELETE; Rails' `_method` override stands in for it.
    const deny = toStr(body?._method)?.toLowerCase() === 'delete';
    await this.decide(request, reply, body ?? {}, deny ? 'deny' : 'approve');
  }

  @Delete('oauth/authorize')
  @Auth.none()
  async denyRoute(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Body() body: Record<string, unknown> | undefined,
  ): Promise<void> {
    await this.decide(request, reply, body ?? {}, 'deny');
  }

  /** Doorkeeper's `/oauth/authorize/native`: where out-of-band clients read the code. */
  @Get('oauth/authorize/native')
  @Auth.none()
  native(@Res() reply: FastifyReply, @Query() query: Record<string, unknown>): void {
    const lang = pageLanguage(toStr(query.lang));
    const code = toStr(query.code)?.slice(0, 512);
    if (!code)
      return sendPage(reply, 400, messagePage(lang, 'An error has occurred', 'No authorization code.'));
    sendPage(reply, 200, codePage(lang, code));
  }

  private async decide(
    request: FastifyRequest,
    reply: FastifyReply,
    body: Record<string, unknown>,
    decision: 'approve' | 'deny',
  ): Promise<void> {
    const lang = pageLanguage(toStr(body.lang));
    const session = await this.sessions.read(request);
    if (!session || !this.sessions.csrfMatches(session, body.authenticity_token)) {
      return sendPage(reply, 422, messagePage(lang, 'Invalid authenticity token', INVALID_CSRF_MESSAGE));
    }
    if (!session.userId) {
      return sendPage(
        reply,
        401,
        messagePage(lang, 'Log in', 'You need to login or sign up before continuing.'),
      );
    }
    const check = await this.check(body);
    if (check.kind !== 'ok') return this.refuse(reply, lang, check);
    const a = check.authorization;
    if (decision === 'deny') {
      return this.refuse(reply, lang, {
        kind: 'redirect',
        redirectUri: a.redirectUri,
        query: {
          error: 'access_denied',
          error_description: describeOAuthError('access_denied'),
          ...(a.state !== undefined ? { state: a.state } : {}),
        },
      });
    }
    await this.approve(reply, session, a);
  }

  private async approve(reply: FastifyReply, session: WebSession, a: ValidAuthorization): Promise<void> {
    const { code } = await this.bus.request(contracts.accounts.oauth.createAuthorizationCode, {
      userId: session.userId ?? '',
      clientId: a.app.clientId,
      redirectUri: a.redirectUri,
      scopes: a.scopes,
      codeChallenge: a.codeChallenge,
      codeChallengeMethod: a.codeChallengeMethod,
    });
    if (a.redirectUri === OOB_REDIRECT_URI) {
      return redirect(reply, `/oauth/authorize/native?${new URLSearchParams({ code }).toString()}`);
    }
    redirect(reply, withQuery(a.redirectUri, { code, ...(a.state !== undefined ? { state: a.state } : {}) }));
  }

  private async check(source: Record<string, unknown>): Promise<AuthorizeCheck> {
    const params = authorizeParamsOf(source);
    const clientId = params.clientId?.slice(0, 256);
    const app = clientId
      ? (await this.bus.request(contracts.accounts.oauth.getApplications, { clientIds: [clientId] }))
          .applications[0]
      : undefined;
    return checkAuthorization(params, app);
  }

  /** An untrusted client or URI gets a page; a trusted one its error on the redirect (OOB: a page). */
  private refuse(
    reply: FastifyReply,
    lang: PageLanguage,
    check: Exclude<AuthorizeCheck, { kind: 'ok' }>,
  ): void {
    if (check.kind === 'page')
      return sendPage(reply, 400, messagePage(lang, 'An error has occurred', check.message));
    if (check.redirectUri === OOB_REDIRECT_URI) {
      const message = check.query.error_description ?? check.query.error;
      return sendPage(reply, 400, messagePage(lang, 'An error has occurred', message));
    }
    redirect(reply, withQuery(check.redirectUri, check.query));
  }

  /** Where sign-in returns to: this very request, minus `force_login` so it is not asked again. */
  private returnTo(request: FastifyRequest): string {
    const [, search = ''] = request.url.split('?');
    const params = new URLSearchParams(search);
    params.delete('force_login');
    const rest = params.toString();
    return rest ? `/oauth/authorize?${rest}` : '/oauth/authorize';
  }
}
