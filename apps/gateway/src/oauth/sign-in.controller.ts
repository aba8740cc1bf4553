import { Body, Controller, Get, Inject, Post, Query, Req, Res } from '@nestjs/common';
import { contracts } from '@mammut/contracts';
import { BUS, type Bus } from '@mammut/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Auth } from '../auth/auth.decorator';
import { toStr } from '../http/params';
import { messagePage, pageLanguage, sendPage, signInPage } from './pages';
import { type SignInRefusal, SignInStrategy } from './sign-in.strategy';
import { WebSessions } from './web-sessions';

/** Devise's and Mastodon's words for why a sign-in is refused. */
export const SIGN_IN_REFUSALS: Record<SignInRefusal, string> = {
  invalid: 'Invalid E-mail address or password.',
  disabled: 'Your login is currently disabled',
  unconfirmed: 'You have to confirm your email address before continuing.',
  pending: 'Your account is still under review.',
};

export const INVALID_CSRF_MESSAGE = 'The form could not be verified. Go back, reload the page and try again.';

/** Only the authorization page may be returned to: anything else would be an open redirect. */
export function safeReturnTo(value: unknown): string | undefined {
  const text = toStr(value);
  // Visible ASCII only, as the authorization page writes it: it goes out in a Location header.
  return text && /^\/oauth\/authorize(\?[^#\\]*)?$/.test(text) && !/[^\x21-\x7e]/.test(text)
    ? text
    : undefined;
}

/**
 * The browser sign-in that the authorization page needs (the form's credentials through
 * passport-local, SignInStrategy, once its CSRF token matched), and the email confirmation link.
 */
@Controller()
export class SignInController {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    private readonly sessions: WebSessions,
    private readonly signInStrategy: SignInStrategy,
  ) {}

  @Get('auth/sign_in')
  @Auth.none()
  async show(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query() query: Record<string, unknown>,
  ): Promise<void> {
    const lang = pageLanguage(toStr(query.lang));
    const session = await this.sessions.ensure(request, reply);
    const returnTo = safeReturnTo(query.return_to);
    if (session.userId && !returnTo) {
      return sendPage(reply, 200, messagePage(lang, 'Log in', 'You are already signed in.'));
    }
    sendPage(reply, 200, signInPage({ lang, csrf: session.csrf, returnTo: returnTo ?? '' }));
  }

  @Post('auth/sign_in')
  @Auth.none()
  async signIn(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Body() body: Record<string, unknown> | undefined,
  ): Promise<void> {
    const b = body ?? {};
    const lang = pageLanguage(toStr(b.lang));
    const session = await this.sessions.read(request);
    if (!session || !this.sessions.csrfMatches(session, b.authenticity_token)) {
      return sendPage(reply, 422, messagePage(lang, 'Invalid authenticity token', INVALID_CSRF_MESSAGE));
    }
    const returnTo = safeReturnTo(b.return_to);
    const outcome = await this.signInStrategy.signIn(request, reply);
    if ('refused' in outcome) {
      return sendPage(
        reply,
        401,
        signInPage({
          lang,
          csrf: session.csrf,
          returnTo: returnTo ?? '',
          email: toStr(b.email)?.slice(0, 320) ?? '',
          alert: SIGN_IN_REFUSALS[outcome.refused],
        }),
      );
    }
    // A fresh session id on sign-in, so an id planted before it is worth nothing after.
    await this.sessions.start(reply, outcome.user.userId, session);
    if (!returnTo) return sendPage(reply, 200, messagePage(lang, 'Log in', 'Signed in successfully.'));
    void reply.status(302).header('location', returnTo).header('cache-control', 'no-store').send();
  }

  @Get('auth/confirmation')
  @Auth.none()
  async confirm(@Res() reply: FastifyReply, @Query() query: Record<string, unknown>): Promise<void> {
    const lang = pageLanguage(toStr(query.lang));
    const token = toStr(query.confirmation_token)?.slice(0, 512) ?? '';
    const { confirmed } = await this.bus.request(contracts.accounts.registration.confirmEmail, {
      confirmationToken: token,
    });
    if (confirmed) {
      return sendPage(
        reply,
        200,
        messagePage(lang, 'Email confirmed', 'Your email address has been successfully confirmed.'),
      );
    }
    sendPage(reply, 404, messagePage(lang, 'Email confirmation', 'Confirmation token is invalid'));
  }
}
