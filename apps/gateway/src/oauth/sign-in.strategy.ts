import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { contracts, type ResponseOf, type UserState } from '@mammut/contracts';
import { BUS, type Bus } from '@mammut/platform';
import type passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ownAuthenticator, runStrategy } from '../auth/passport';

/** Why the accounts service refuses a sign-in (the controller words it as Devise does). */
export type SignInRefusal = Extract<
  ResponseOf<typeof contracts.accounts.oauth.checkSignIn>,
  { refused: unknown }
>['refused'];

export type SignInOutcome = { readonly user: UserState } | { readonly refused: SignInRefusal };

const REFUSALS: ReadonlySet<string> = new Set<SignInRefusal>([
  'invalid',
  'disabled',
  'unconfirmed',
  'pending',
]);

/** Passport's failure `info`, naming the refusal. */
const refuse = (refused: SignInRefusal): [false, { message: SignInRefusal }] => [false, { message: refused }];

/**
 * The sign-in form's e-mail and password, checked by the accounts service (argon2, user state).
 * CSRF and the session are the controller's; the throttles by address and by e-mail run before.
 */
@Injectable()
export class SignInStrategy extends PassportStrategy(LocalStrategy, 'local') {
  constructor(@Inject(BUS) private readonly bus: Bus) {
    super({ usernameField: 'email', passwordField: 'password', passReqToCallback: true });
  }

  /** Called by PassportStrategy while constructing: this strategy's own registry (see ownAuthenticator). */
  getPassportInstance(): passport.Authenticator {
    return ownAuthenticator(this);
  }

  async validate(
    request: FastifyRequest,
    email: string,
    password: string,
  ): Promise<UserState | [false, { message: SignInRefusal }]> {
    const form = (request.body ?? {}) as Record<string, unknown>;
    // passport-local falls back to the query string; the per-e-mail throttle counts the e-mail the
    // form names, so only the form's fields may sign in.
    if (email !== form.email || password !== form.password) return refuse('invalid');
    const outcome = await this.bus.request(contracts.accounts.oauth.checkSignIn, {
      email: String(email).slice(0, 320),
      password: String(password).slice(0, 1024),
    });
    return 'refused' in outcome ? refuse(outcome.refused) : outcome.user;
  }

  /** Runs this strategy on the posted form through passport. */
  async signIn(request: FastifyRequest, reply: FastifyReply): Promise<SignInOutcome> {
    const { user, info } = await runStrategy(ownAuthenticator(this), 'local', request, reply);
    if (user) return { user: user as UserState };
    // passport-local fails without asking when a field is missing or empty: as a wrong password.
    const reason = (info as { message?: unknown } | undefined)?.message;
    return {
      refused: typeof reason === 'string' && REFUSALS.has(reason) ? (reason as SignInRefusal) : 'invalid',
    };
  }
}
