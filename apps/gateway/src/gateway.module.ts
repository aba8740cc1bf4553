import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { AccountsController } from './api/v1/accounts/accounts.controller';
import { CredentialsController } from './api/v1/accounts/credentials.controller';
import { AuthGuard } from './auth/auth.guard';
import { ErrorFilter } from './http/error.filter';
import { serializeContextProvider } from './http/serialize-context';

/**
 * The only public HTTP entry: the Mastodon client API, OAuth, well-known documents. Controllers
 * mirror Mastodon's URLs; each one unpacks, asks a service over the bus, and serializes.
 * Routes with a fixed path segment must come before `:id` routes of the same prefix.
 */
@Module({
  controllers: [CredentialsController, AccountsController],
  providers: [
    serializeContextProvider,
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_FILTER, useClass: ErrorFilter },
  ],
})
export class GatewayModule {}
