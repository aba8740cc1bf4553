import { Controller, Get, Inject } from '@nestjs/common';
import { contracts } from '@mammut/contracts';
import {
  type MDomainBlock,
  type MExtendedDescription,
  type MInstanceActivity,
  type MInstanceV1,
  type MRule,
  type SerializeContext,
  serializeExtendedDescription,
  serializeInstanceActivity,
  serializeDomainBlocks,
  serializeInstanceV1,
} from '@mammut/mastodon-api';
import { BUS, type Bus, CONFIG, type Config, type DomainBlocksAudience } from '@mammut/platform';
import { Auth, ViewerAccountId } from '../../auth/auth.decorator';
import { Errors } from '../../http/errors';
import { SERIALIZE_CONTEXT } from '../../http/serialize-context';
import { InstanceFactsSource } from '../../instance/instance-facts';

/**
 * `/api/v1/instance` and its sub-resources. Public in Mastodon even with a bad token, so no token
 * is looked at (`Auth.none`): an expired token in a client must not break its start-up.
 */
@Controller('api/v1/instance')
export class InstanceV1Controller {
  constructor(
    private readonly source: InstanceFactsSource,
    @Inject(CONFIG) private readonly config: Config,
    @Inject(SERIALIZE_CONTEXT) private readonly ctx: SerializeContext,
    @Inject(BUS) private readonly bus: Bus,
  ) {}

  @Get()
  @Auth.none()
  async instance(): Promise<MInstanceV1> {
    return serializeInstanceV1(await this.source.facts(), this.ctx);
  }

  /** Domains of known remote accounts; empty until federation brings any. */
  @Get('peers')
  @Auth.none()
  peers(): Promise<string[]> {
    return this.source.peerDomains();
  }

  @Get('activity')
  @Auth.none()
  async activity(): Promise<MInstanceActivity[]> {
    return serializeInstanceActivity(await this.source.activityWeeks());
  }

  @Get('rules')
  @Auth.none()
  rules(): MRule[] {
    return [];
  }

  /**
   * The instance's silenced and suspended domains, to whom `SHOW_DOMAIN_BLOCKS` allows (404 to
   * anyone else, as Mastodon, whose default shows them to nobody), with public comments to whom
   * `SHOW_DOMAIN_BLOCKS_RATIONALE` allows.
   */
  @Get('domain_blocks')
  @Auth.optional()
  async domainBlocks(@ViewerAccountId() viewer: string | null): Promise<MDomainBlock[]> {
    const shown = (audience: DomainBlocksAudience): boolean =>
      audience === 'all' || (audience === 'users' && viewer !== null);
    const { showDomainBlocks, showDomainBlocksRationale } = this.config.federation;
    if (!shown(showDomainBlocks)) throw Errors.notFound();
    const { blocks } = await this.bus.request(contracts.federation.domainBlocks.list, {});
    return serializeDomainBlocks(blocks, shown(showDomainBlocksRationale));
  }

  @Get('extended_description')
  @Auth.none()
  extendedDescription(): MExtendedDescription {
    return serializeExtendedDescription(this.source.updatedAt, this.config.siteDescription);
  }
}
