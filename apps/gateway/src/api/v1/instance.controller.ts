import { Controller, Get, Inject } from '@nestjs/common';
import {
  type MExtendedDescription,
  type MInstanceActivity,
  type MInstanceV1,
  type MRule,
  type SerializeContext,
  serializeExtendedDescription,
  serializeInstanceActivity,
  serializeInstanceV1,
} from '@mammut/mastodon-api';
import { CONFIG, type Config } from '@mammut/platform';
import { Auth } from '../../auth/auth.decorator';
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

  @Get('extended_description')
  @Auth.none()
  extendedDescription(): MExtendedDescription {
    return serializeExtendedDescription(this.source.updatedAt, this.config.siteDescription);
  }
}
