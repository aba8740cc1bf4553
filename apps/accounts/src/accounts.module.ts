import { Inject, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { contracts } from '@mammut/contracts';
import {
  assertSchemaCurrent,
  busController,
  HealthModule,
  every,
  OutboxRelay,
  type Periodic,
  RUNTIME,
  type Runtime,
} from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { ACCOUNTS_DB, ACCOUNTS_SCHEMA, accountsDatabaseProvider } from './database/accounts-database';
import { AccountsQueries } from './profiles/accounts.queries';
import { ProfileText } from './profiles/profile-text';
import { ProfilesHandlers } from './profiles/profiles.handlers';
import { UpdateCredentials } from './profiles/update-credentials.service';
import { AuthenticateToken } from './tokens/authenticate-token.service';
import { GrantCache } from './caches/grant-cache';
import { AccountsCache, CredentialsCache, FiltersCache, RelationshipsCache } from './caches/read-caches';
import { TokenActivity } from './tokens/token-activity';
import { AccountChangesListener } from './caches/account-changes.listener';
import { GrantChangesPublisher } from './caches/grant-changes.publisher';
import { PasswordHasher } from './passwords/password-hasher';
import { RelationshipsHandlers } from './relationships/relationships.handlers';
import { relationshipsProviders } from './relationships/relationships.providers';
import { OAuthHandlers } from './oauth/oauth.handlers';
import { oauthProviders } from './oauth/oauth.providers';
import { RegistrationHandlers } from './registration/registration.handlers';
import { InstanceHandlers } from './instance/instance.handlers';
import { ExpireMutes } from './relationships/expire-mutes.service';
import { instanceProviders } from './instance/instance.providers';
import { AdminHandlers } from './admin/admin.handlers';
import { adminProviders } from './admin/admin.providers';
import { RemoteHandlers } from './remote/remote.handlers';
import { remoteProviders } from './remote/remote.providers';
import { StatusActivity } from './activity/status-activity';
import { FiltersHandlers } from './filters/filters.handlers';
import { filtersProviders } from './filters/filters.providers';
import { ListsHandlers } from './lists/lists.handlers';
import { listsProviders } from './lists/lists.providers';
import { MigrationHandlers } from './migration/migration.handlers';
import { migrationProviders } from './migration/migration.providers';
import { MoveFollowers } from './migration/move-followers';
import { DomainSanctions } from './admin/domain-sanctions';

/** Users, accounts, OAuth and relationships; answers `accounts.*` on the bus. */
@Module({
  imports: [HealthModule],
  controllers: [
    busController(contracts.accounts.profiles, ProfilesHandlers),
    busController(contracts.accounts.relationships, RelationshipsHandlers),
    busController(contracts.accounts.oauth, OAuthHandlers),
    busController(contracts.accounts.registration, RegistrationHandlers),
    busController(contracts.accounts.instance, InstanceHandlers),
    busController(contracts.accounts.admin, AdminHandlers),
    busController(contracts.accounts.remote, RemoteHandlers),
    busController(contracts.accounts.filters, FiltersHandlers),
    busController(contracts.accounts.lists, ListsHandlers),
    busController(contracts.accounts.migration, MigrationHandlers),
  ],
  providers: [
    accountsDatabaseProvider,
    AccountsQueries,
    ProfileText,
    UpdateCredentials,
    AuthenticateToken,
    GrantCache,
    TokenActivity,
    AccountChangesListener,
    GrantChangesPublisher,
    CredentialsCache,
    RelationshipsCache,
    FiltersCache,
    AccountsCache,
    PasswordHasher,
    ProfilesHandlers,
    StatusActivity,
    ...relationshipsProviders,
    ...oauthProviders,
    ...instanceProviders,
    ...adminProviders,
    ...remoteProviders,
    ...filtersProviders,
    ...listsProviders,
    ...migrationProviders,
  ],
})
export class AccountsModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private relay?: OutboxRelay;
  private muteSweeper?: Periodic;

  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    @Inject(ACCOUNTS_DB) private readonly db: DataSource,
    private readonly expireMutes: ExpireMutes,
    private readonly statusActivity: StatusActivity,
    private readonly moveFollowers: MoveFollowers,
    private readonly domainSanctions: DomainSanctions,
  ) {}

  /** Before the bus server listens (Nest initialises modules first): refuse a schema that is behind. */
  async onApplicationBootstrap(): Promise<void> {
    await assertSchemaCurrent(this.db);
    this.relay = await OutboxRelay.started(this.runtime, ACCOUNTS_SCHEMA, this.db);
    await this.statusActivity.start();
    await this.moveFollowers.start();
    await this.domainSanctions.start();
    // Timed mutes end within a minute of their time (reads ignore them from the second they expire).
    this.muteSweeper = every('expire-mutes', 60_000, () => this.expireMutes.sweep());
  }

  /**
   * Nest runs this hook last, after the HTTP server has closed and the bus server has drained the
   * requests in progress: let the relay finish its batch, then close the pool they used.
   */
  async onApplicationShutdown(): Promise<void> {
    await this.muteSweeper?.stop();
    await this.domainSanctions.stop();
    await this.moveFollowers.stop();
    await this.statusActivity.stop();
    await this.relay?.stop();
    await this.db.destroy();
  }
}
