import { Inject, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { contracts } from '@mammut/contracts';
import { assertSchemaCurrent, busController, HealthModule, postgresReadiness } from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { FEDERATION_DB, federationDatabaseProvider } from './database/federation-database';
import { FederationHttp } from './http/federation-http';
import { FederationHttpHandlers } from './http/federation-http.handlers';
import { ActorKeysStore } from './keys/actor-keys';

/**
 * ActivityPub: the documents of local actors and the keys they sign with; answers `federation.*`
 * on the bus, the gateway passing ActivityPub requests to it as they arrived.
 */
@Module({
  imports: [HealthModule],
  controllers: [busController(contracts.federation.http, FederationHttpHandlers)],
  providers: [
    federationDatabaseProvider,
    postgresReadiness('federation', FEDERATION_DB),
    ActorKeysStore,
    FederationHttp,
    FederationHttpHandlers,
  ],
})
export class FederationModule implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(@Inject(FEDERATION_DB) private readonly db: DataSource) {}

  async onApplicationBootstrap(): Promise<void> {
    await assertSchemaCurrent(this.db);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.db.destroy();
  }
}
