import { Inject, Injectable } from '@nestjs/common';
import { contracts, type DomainBlockSeverity, defineHandlers } from '@mammut/contracts';
import { BUS, type Bus, logger } from '@mammut/platform';
import { DomainBlocks } from './domain-blocks';

/** How long an operator's command waits for accounts to apply the block before leaving it to the event. */
const APPLY_NOW_TIMEOUT_MS = 5_000;

/**
 * `federation.domain_block.*` on the bus. Each change is also applied to the domain's accounts
 * before the answer (accounts' `domain_block.apply`, as Mastodon's admin actions run their
 * service at once), so what the operator did holds when the command returns; should accounts not
 * answer in time, the change's event applies it later all the same.
 */
@Injectable()
export class DomainBlocksHandlers {
  private readonly log = logger('federation:domain-blocks');

  constructor(
    private readonly blocks: DomainBlocks,
    @Inject(BUS) private readonly bus: Bus,
  ) {}

  readonly bound = defineHandlers(contracts.federation.domainBlocks, {
    create: async ({ domain, ...changes }) => {
      const block = await this.blocks.create(domain, changes);
      await this.applyNow(block.domain, block.severity, block.createdAt);
      return { block };
    },
    update: async ({ domain, ...changes }) => {
      const block = await this.blocks.update(domain, changes);
      await this.applyNow(block.domain, block.severity, block.createdAt);
      return { block };
    },
    remove: async ({ domain }) => {
      const lifted = await this.blocks.remove(domain);
      await this.applyNow(lifted.domain, null, lifted.since);
      return {};
    },
    list: async () => ({ blocks: await this.blocks.list() }),
  });

  private async applyNow(domain: string, severity: DomainBlockSeverity | null, since: string): Promise<void> {
    try {
      await this.bus.request(
        contracts.accounts.admin.applyDomainBlock,
        { domain, severity, since },
        { timeoutMs: APPLY_NOW_TIMEOUT_MS },
      );
    } catch (error) {
      this.log.warn({ domain, err: error }, 'domain block not applied to its accounts yet; its event will');
    }
  }
}
