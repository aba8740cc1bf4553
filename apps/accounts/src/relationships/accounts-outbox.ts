import type { Provider } from '@nestjs/common';
import { Outbox } from '@mammut/platform';
import { ACCOUNTS_SCHEMA } from '../database/accounts-database';

/** The accounts schema's outbox: relationship events are written through it in the changing transaction. */
export const ACCOUNTS_OUTBOX = Symbol('ACCOUNTS_OUTBOX');

export const accountsOutboxProvider: Provider = {
  provide: ACCOUNTS_OUTBOX,
  useFactory: (): Outbox => new Outbox({ schema: ACCOUNTS_SCHEMA }),
};
