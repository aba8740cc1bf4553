import { Controller, Get, Inject } from '@nestjs/common';
import { type MInstance, type SerializeContext, serializeInstance } from '@mammut/mastodon-api';
import { Auth } from '../../auth/auth.decorator';
import { SERIALIZE_CONTEXT } from '../../http/serialize-context';
import { InstanceFactsSource } from '../../instance/instance-facts';

/** `/api/v2/instance`: the first call of Elk, Phanpy and Ivory (which crashes without it). */
@Controller('api/v2/instance')
export class InstanceV2Controller {
  constructor(
    private readonly source: InstanceFactsSource,
    @Inject(SERIALIZE_CONTEXT) private readonly ctx: SerializeContext,
  ) {}

  @Get()
  @Auth.none()
  async instance(): Promise<MInstance> {
    return serializeInstance(await this.source.facts(), this.ctx);
  }
}
