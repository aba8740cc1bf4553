import { Injectable } from '@nestjs/common';
import { contracts, defineHandlers } from '@mammut/contracts';
import { DomainBlocks } from './domain-blocks';

/** `federation.domain_block.*` on the bus. */
@Injectable()
export class DomainBlocksHandlers {
  constructor(private readonly blocks: DomainBlocks) {}

  readonly bound = defineHandlers(contracts.federation.domainBlocks, {
    create: async ({ domain, ...changes }) => ({ block: await this.blocks.create(domain, changes) }),
    update: async ({ domain, ...changes }) => ({ block: await this.blocks.update(domain, changes) }),
    remove: async ({ domain }) => {
      await this.blocks.remove(domain);
      return {};
    },
    list: async () => ({ blocks: await this.blocks.list() }),
  });
}
