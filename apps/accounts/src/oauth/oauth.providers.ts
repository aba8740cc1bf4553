import type { Provider } from '@nestjs/common';
import { ConfirmationMailer } from '../registration/confirmation-mailer';
import { ConfirmEmail } from '../registration/confirm-email.service';
import { LocalUsers } from '../registration/local-users';
import { ResendConfirmation } from '../registration/resend-confirmation.service';
import { RegisterAccount } from '../registration/register-account.service';
import { RegistrationHandlers } from '../registration/registration.handlers';
import { AccessTokens } from './access-tokens';
import { Applications } from './applications.service';
import { AuthorizationCodes } from './authorization-codes.service';
import { CheckSignIn } from './check-sign-in.service';
import { ClientTokens } from './client-tokens.service';
import { OAuthHandlers } from './oauth.handlers';
import { SignInStates } from './sign-in-states';

/** OAuth applications, codes and tokens, sign-in, and registration. */
export const oauthProviders: Provider[] = [
  Applications,
  AccessTokens,
  AuthorizationCodes,
  ClientTokens,
  CheckSignIn,
  SignInStates,
  OAuthHandlers,
  ConfirmationMailer,
  RegisterAccount,
  LocalUsers,
  ResendConfirmation,
  ConfirmEmail,
  RegistrationHandlers,
];
