import { contracts, type Namespace } from '@mammut/contracts';
import type { Type } from '@nestjs/common';
import type { Config } from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { AccountsModule } from '../../accounts/src/accounts.module';
import { accountsDataSource } from '../../accounts/src/database/accounts-database';
import { statusesDataSource } from '../../statuses/src/database/statuses-database';
import { StatusesModule } from '../../statuses/src/statuses.module';
import { timelinesDataSource } from '../../timelines/src/database/timelines-database';
import { TimelinesModule } from '../../timelines/src/timelines.module';
import { federationDataSource } from '../../federation/src/database/federation-database';
import { FederationModule } from '../../federation/src/federation.module';
import { moderationDataSource } from '../../moderation/src/database/moderation-database';
import { ModerationModule } from '../../moderation/src/moderation.module';
import { searchDataSource } from '../../search/src/database/search-database';
import { SearchModule } from '../../search/src/search.module';
import { mediaDataSource } from '../../media/src/database/media-database';
import { MediaModule } from '../../media/src/media.module';

/** Every service this process hosts: its Nest module and how to reach its schema for migrations. */
export interface HostedService {
  readonly name: string;
  readonly module: Type;
  /** The requests it answers on the bus. */
  readonly contracts: Namespace;
  readonly dataSource: (config: Config) => DataSource;
}

export const services: HostedService[] = [
  {
    name: 'accounts',
    module: AccountsModule,
    contracts: contracts.accounts,
    dataSource: accountsDataSource,
  },
  {
    name: 'statuses',
    module: StatusesModule,
    contracts: contracts.statuses,
    dataSource: statusesDataSource,
  },
  {
    name: 'timelines',
    module: TimelinesModule,
    contracts: contracts.timelines,
    dataSource: timelinesDataSource,
  },
  {
    name: 'federation',
    module: FederationModule,
    contracts: contracts.federation,
    dataSource: federationDataSource,
  },
  {
    name: 'moderation',
    module: ModerationModule,
    contracts: contracts.moderation,
    dataSource: moderationDataSource,
  },
  {
    name: 'search',
    module: SearchModule,
    contracts: contracts.search,
    dataSource: searchDataSource,
  },
  {
    name: 'media',
    module: MediaModule,
    contracts: contracts.media,
    dataSource: mediaDataSource,
  },
];
