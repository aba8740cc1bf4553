import { Body, Controller, Delete, Get, HttpCode, Inject, Post, Query } from '@nestjs/common';
import { contracts, type UserState } from '@mammut/contracts';
import type { SerializeContext } from '@mammut/mastodon-api';
import { BUS, type Bus } from '@mammut/platform';
import { Auth, CurrentUser } from '../../auth/auth.decorator';
import { HttpError } from '../../http/errors';
import { type ListPage, Page, setListLinkHeader } from '../../http/account-page';
import { toStr } from '../../http/params';
import { SERIALIZE_CONTEXT } from '../../http/serialize-context';

/** `domain` from the body (JSON, form or multipart, on DELETE too) or else the query; Rails' 400 when absent. */
function domainOf(query: Record<string, unknown>, body: Record<string, unknown> | undefined): string {
  const domain = toStr(body?.domain) ?? toStr(query.domain);
  if (!domain?.trim()) throw new HttpError(400, 'param is missing or the value is empty: domain');
  return domain;
}

/** The viewer's own domain blocks: a list of domain names, paged by block row. */
@Controller('api/v1/domain_blocks')
export class DomainBlocksController {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(SERIALIZE_CONTEXT) private readonly ctx: SerializeContext,
  ) {}

  @Get()
  @Auth.user('read:blocks')
  async list(
    @CurrentUser() user: UserState,
    @Page({ limit: 100, max: 200 }) page: ListPage,
  ): Promise<string[]> {
    const { items } = await this.bus.request(contracts.accounts.relationships.listDomainBlocks, {
      viewerId: user.accountId,
      page: page.params,
    });
    setListLinkHeader(items, page, this.ctx.origin);
    return items.map((item) => item.domain);
  }

  @Post()
  @HttpCode(200)
  @Auth.user('write:blocks')
  async add(
    @CurrentUser() user: UserState,
    @Query() query: Record<string, unknown>,
    @Body() body: Record<string, unknown> | undefined,
  ): Promise<Record<string, never>> {
    await this.bus.request(contracts.accounts.relationships.blockDomain, {
      viewerId: user.accountId,
      domain: domainOf(query, body).slice(0, 1000),
    });
    return {};
  }

  @Delete()
  @HttpCode(200)
  @Auth.user('write:blocks')
  async remove(
    @CurrentUser() user: UserState,
    @Query() query: Record<string, unknown>,
    @Body() body: Record<string, unknown> | undefined,
  ): Promise<Record<string, never>> {
    await this.bus.request(contracts.accounts.relationships.unblockDomain, {
      viewerId: user.accountId,
      domain: domainOf(query, body).slice(0, 1000),
    });
    return {};
  }
}
