import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put } from '@nestjs/common';
import { contracts, type UserState } from '@mammut/contracts';
import { type MV1Filter, serializeV1Filter } from '@mammut/mastodon-api';
import { BUS, type Bus } from '@mammut/platform';
import { Auth, CurrentUser } from '../../auth/auth.decorator';
import { pathId, toBool, toStr } from '../../http/params';
import { clip, contextOf, expiresInOf, wholeWordOf } from '../v2/filter-params';

const f = contracts.accounts.filters;
type BodyOf = Record<string, unknown> | undefined;

/** A v1 filter's fields from the body; what is absent stays undefined, so an update keeps it. */
function v1FilterFields(b: Record<string, unknown>) {
  return {
    phrase: clip(toStr(b.phrase)),
    context: b.context === undefined ? undefined : contextOf(b.context),
    irreversible: toBool(b.irreversible),
    wholeWord: wholeWordOf(b.whole_word),
    expiresIn: expiresInOf(b),
  };
}

/**
 * Mastodon's v1 filters: each is one keyword of a (v2) filter, with that filter's context, expiry
 * and action (`irreversible` is hide); its id is the keyword's.
 */
@Controller('api/v1/filters')
export class FiltersV1Controller {
  constructor(@Inject(BUS) private readonly bus: Bus) {}

  @Get()
  @Auth.user('read:filters')
  async list(@CurrentUser() user: UserState): Promise<MV1Filter[]> {
    const { filters } = await this.bus.request(f.listFilters, { viewerId: user.accountId });
    return filters
      .flatMap((filter) => filter.keywords.map((keyword) => ({ keyword, filter })))
      .sort((a, b) => (BigInt(a.keyword.id) < BigInt(b.keyword.id) ? -1 : 1))
      .map(({ keyword, filter }) => serializeV1Filter(keyword, filter));
  }

  @Post()
  @HttpCode(200)
  @Auth.user('write:filters')
  async create(@CurrentUser() user: UserState, @Body() body: BodyOf): Promise<MV1Filter> {
    const fields = v1FilterFields(body ?? {});
    const { keyword, filter } = await this.bus.request(f.createV1Filter, {
      viewerId: user.accountId,
      ...fields,
      phrase: fields.phrase ?? '',
      context: fields.context ?? [],
    });
    return serializeV1Filter(keyword, filter);
  }

  @Get(':id')
  @Auth.user('read:filters')
  async show(@CurrentUser() user: UserState, @Param('id') id: string): Promise<MV1Filter> {
    const { keyword, filter } = await this.bus.request(f.getKeyword, {
      viewerId: user.accountId,
      keywordId: pathId(id),
    });
    return serializeV1Filter(keyword, filter);
  }

  @Put(':id')
  @Auth.user('write:filters')
  async update(
    @CurrentUser() user: UserState,
    @Param('id') id: string,
    @Body() body: BodyOf,
  ): Promise<MV1Filter> {
    const { keyword, filter } = await this.bus.request(f.updateV1Filter, {
      viewerId: user.accountId,
      keywordId: pathId(id),
      ...v1FilterFields(body ?? {}),
    });
    return serializeV1Filter(keyword, filter);
  }

  /** The keyword only: its filter stays, as in Mastodon. */
  @Delete(':id')
  @Auth.user('write:filters')
  async remove(@CurrentUser() user: UserState, @Param('id') id: string): Promise<Record<string, never>> {
    return this.bus.request(f.deleteKeyword, { viewerId: user.accountId, keywordId: pathId(id) });
  }
}
