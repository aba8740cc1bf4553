import { Injectable } from '@nestjs/common';
import { contracts, defineHandlers } from '@mammut/contracts';
import { Relays } from './relays';

/** `federation.relay.*` on the bus. */
@Injectable()
export class RelaysHandlers {
  constructor(private readonly relays: Relays) {}

  readonly bound = defineHandlers(contracts.federation.relays, {
    add: async ({ inboxUrl }) => ({ relay: await this.relays.add(inboxUrl) }),
    remove: async ({ inboxUrl }) => {
      await this.relays.remove(inboxUrl);
      return {};
    },
    list: async () => ({ relays: await this.relays.list() }),
  });
}
