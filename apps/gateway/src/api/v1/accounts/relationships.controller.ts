import { Controller, Get, Inject, Query } from '@nestjs/common';
import { contracts, type UserState } from '@mammut/contracts';
import {
  type MAccount,
  type MRelationship,
  type SerializeContext,
  serializeAccount,
  serializeRelationship,
} from '@mammut/mastodon-api';
import { BUS, type Bus } from '@mammut/platform';
import { Auth, CurrentUser } from '../../../auth/auth.decorator';
import { isId, toBool, toStrList } from '../../../http/params';
import { SERIALIZE_CONTEXT } from '../../../http/serialize-context';

/** The most ids one call looks at; the rest are ignored rather than refused. */
const MAX_IDS = 200;

/** Malformed ids cannot name an account: they are left out like unknown ones. */
const idsOf = (query: Record<string, unknown>): string[] =>
  toStrList(query.id).filter(isId).slice(0, MAX_IDS);

/** Fixed-segment reads under /api/v1/accounts: listed before AccountsController's `:id` route. */
@Controller('api/v1/accounts')
export class RelationshipsController {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(SERIALIZE_CONTEXT) private readonly ctx: SerializeContext,
  ) {}

  @Get('relationships')
  @Auth.user('read:follows')
  async relationships(
    @CurrentUser() user: UserState,
    @Query() query: Record<string, unknown>,
  ): Promise<MRelationship[]> {
    const { relationships } = await this.bus.request(contracts.accounts.relationships.getRelationships, {
      viewerId: user.accountId,
      ids: idsOf(query),
      withSuspended: toBool(query.with_suspended) ?? false,
    });
    return relationships.map(serializeRelationship);
  }

  @Get('familiar_followers')
  @Auth.user('read:follows')
  async familiarFollowers(
    @CurrentUser() user: UserState,
    @Query() query: Record<string, unknown>,
  ): Promise<{ id: string; accounts: MAccount[] }[]> {
    const { items } = await this.bus.request(contracts.accounts.relationships.getFamiliarFollowers, {
      viewerId: user.accountId,
      ids: idsOf(query),
    });
    return items.map((item) => ({
      id: item.id,
      accounts: item.accounts.map((account) => serializeAccount(account, this.ctx)),
    }));
  }
}
