import { Body, Controller, Get, HttpCode, Inject, Post } from '@nestjs/common';
import { contracts, type TokenGrant, type UserState } from '@mammut/contracts';
import { type MToken, serializeToken } from '@mammut/mastodon-api';
import { BUS, type Bus } from '@mammut/platform';
import { Auth, CurrentUser, Grant } from '../../../auth/auth.decorator';
import { Errors } from '../../../http/errors';
import { toBool, toStr } from '../../../http/params';

/** Longer than any valid value of any field: enough to report "too long" without carrying megabytes. */
const MAX_FIELD = 2000;

@Controller()
export class RegistrationController {
  constructor(@Inject(BUS) private readonly bus: Bus) {}

  /** Sign-up by an app (client-credentials token with `write:accounts`): answers the new user's Token. */
  @Post('api/v1/accounts')
  @Auth.app('write:accounts')
  @HttpCode(200)
  async register(
    @Grant() grant: TokenGrant,
    @Body() body: Record<string, unknown> | undefined,
  ): Promise<MToken> {
    // A signed-in user does not sign up again; only the app itself may.
    if (grant.user) throw Errors.notAllowed();
    const b = body ?? {};
    const field = (key: string): string => toStr(b[key])?.slice(0, MAX_FIELD) ?? '';
    const { token } = await this.bus.request(contracts.accounts.registration.createRegistration, {
      applicationId: grant.applicationId,
      scopes: grant.scopes,
      username: field('username'),
      email: field('email'),
      password: field('password'),
      agreement: toBool(b.agreement) ?? false,
      locale: field('locale') || null,
      reason: field('reason') || null,
    });
    return serializeToken(token);
  }

  /**
   * A new confirmation mail, optionally to a corrected `email`: only with a token of the app the
   * user signed up with, while the address awaits confirmation.
   */
  @Post('api/v1/emails/confirmations')
  @Auth.registering('write:accounts')
  @HttpCode(200)
  async resendConfirmation(
    @Grant() grant: TokenGrant,
    @Body() body: Record<string, unknown> | undefined,
  ): Promise<Record<string, never>> {
    const email = toStr(body?.email)?.slice(0, MAX_FIELD);
    await this.bus.request(contracts.accounts.registration.resendConfirmation, {
      userId: grant.user?.userId ?? '',
      applicationId: grant.applicationId,
      ...(email !== undefined ? { email } : {}),
    });
    return {};
  }

  /** Whether the signed-up user has confirmed the address yet: a bare `true` or `false`. */
  @Get('api/v1/emails/check_confirmation')
  @Auth.registering('read:accounts')
  checkConfirmation(@CurrentUser() user: UserState): boolean {
    return user.confirmed;
  }
}
