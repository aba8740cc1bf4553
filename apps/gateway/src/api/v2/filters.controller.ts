import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put } from '@nestjs/common';
import { contracts, type UserState } from '@mammut/contracts';
import {
  type MFilter,
  type MFilterKeyword,
  type MFilterStatus,
  serializeFilter,
  serializeFilterKeyword,
  serializeFilterStatus,
} from '@mammut/mastodon-api';
import { BUS, type Bus } from '@mammut/platform';
import { Auth, CurrentUser } from '../../auth/auth.decorator';
import { Errors } from '../../http/errors';
import { pathId, toStr } from '../../http/params';
import { StatusPresenter } from '../v1/statuses/status-presenter';
import { clip, contextOf, expiresInOf, keywordsAttributesOf, wholeWordOf } from './filter-params';

const f = contracts.accounts.filters;
type BodyOf = Record<string, unknown> | undefined;

/** A filter's fields from the body; what is absent stays undefined, so an update keeps it. */
function filterFields(b: Record<string, unknown>) {
  return {
    title: clip(toStr(b.title)),
    context: b.context === undefined ? undefined : contextOf(b.context),
    action: clip(toStr(b.filter_action)),
    expiresIn: expiresInOf(b),
    keywords: keywordsAttributesOf(b.keywords_attributes),
  };
}

/** A keyword's fields from the body. */
const keywordFields = (b: Record<string, unknown>) => ({
  keyword: clip(toStr(b.keyword)),
  wholeWord: wholeWordOf(b.whole_word),
});

/** The viewer's filters (Mastodon's v2 API): each with its keywords and statuses. */
@Controller('api/v2/filters')
export class FiltersController {
  constructor(@Inject(BUS) private readonly bus: Bus) {}

  @Get()
  @Auth.user('read:filters')
  async list(@CurrentUser() user: UserState): Promise<MFilter[]> {
    const { filters } = await this.bus.request(f.listFilters, { viewerId: user.accountId });
    return filters.map((filter) => serializeFilter(filter));
  }

  @Post()
  @HttpCode(200)
  @Auth.user('write:filters')
  async create(@CurrentUser() user: UserState, @Body() body: BodyOf): Promise<MFilter> {
    const fields = filterFields(body ?? {});
    const filter = await this.bus.request(f.createFilter, {
      viewerId: user.accountId,
      ...fields,
      title: fields.title ?? '',
      context: fields.context ?? [],
    });
    return serializeFilter(filter);
  }

  @Get(':id')
  @Auth.user('read:filters')
  async show(@CurrentUser() user: UserState, @Param('id') id: string): Promise<MFilter> {
    return serializeFilter(
      await this.bus.request(f.getFilter, { viewerId: user.accountId, filterId: pathId(id) }),
    );
  }

  @Put(':id')
  @Auth.user('write:filters')
  async update(
    @CurrentUser() user: UserState,
    @Param('id') id: string,
    @Body() body: BodyOf,
  ): Promise<MFilter> {
    const filter = await this.bus.request(f.updateFilter, {
      viewerId: user.accountId,
      filterId: pathId(id),
      ...filterFields(body ?? {}),
    });
    return serializeFilter(filter);
  }

  @Delete(':id')
  @Auth.user('write:filters')
  async remove(@CurrentUser() user: UserState, @Param('id') id: string): Promise<Record<string, never>> {
    return this.bus.request(f.deleteFilter, { viewerId: user.accountId, filterId: pathId(id) });
  }
}

/** A filter's keywords, one by one (`/api/v2/filters/:filter_id/keywords`, `/api/v2/filters/keywords/:id`). */
@Controller('api/v2/filters')
export class FilterKeywordsController {
  constructor(@Inject(BUS) private readonly bus: Bus) {}

  @Get('keywords/:id')
  @Auth.user('read:filters')
  async show(@CurrentUser() user: UserState, @Param('id') id: string): Promise<MFilterKeyword> {
    const { keyword } = await this.bus.request(f.getKeyword, {
      viewerId: user.accountId,
      keywordId: pathId(id),
    });
    return serializeFilterKeyword(keyword);
  }

  @Put('keywords/:id')
  @Auth.user('write:filters')
  async update(
    @CurrentUser() user: UserState,
    @Param('id') id: string,
    @Body() body: BodyOf,
  ): Promise<MFilterKeyword> {
    const { keyword } = await this.bus.request(f.updateKeyword, {
      viewerId: user.accountId,
      keywordId: pathId(id),
      ...keywordFields(body ?? {}),
    });
    return serializeFilterKeyword(keyword);
  }

  @Delete('keywords/:id')
  @Auth.user('write:filters')
  async remove(@CurrentUser() user: UserState, @Param('id') id: string): Promise<Record<string, never>> {
    return this.bus.request(f.deleteKeyword, { viewerId: user.accountId, keywordId: pathId(id) });
  }

  @Get(':filterId/keywords')
  @Auth.user('read:filters')
  async list(@CurrentUser() user: UserState, @Param('filterId') filterId: string): Promise<MFilterKeyword[]> {
    const { keywords } = await this.bus.request(f.listKeywords, {
      viewerId: user.accountId,
      filterId: pathId(filterId),
    });
    return keywords.map(serializeFilterKeyword);
  }

  @Post(':filterId/keywords')
  @HttpCode(200)
  @Auth.user('write:filters')
  async create(
    @CurrentUser() user: UserState,
    @Param('filterId') filterId: string,
    @Body() body: BodyOf,
  ): Promise<MFilterKeyword> {
    const fields = keywordFields(body ?? {});
    const { keyword } = await this.bus.request(f.addKeyword, {
      viewerId: user.accountId,
      filterId: pathId(filterId),
      ...fields,
      keyword: fields.keyword ?? '',
    });
    return serializeFilterKeyword(keyword);
  }
}

/** The statuses a filter names (`/api/v2/filters/:filter_id/statuses`, `/api/v2/filters/statuses/:id`). */
@Controller('api/v2/filters')
export class FilterStatusesController {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    private readonly presenter: StatusPresenter,
  ) {}

  @Get('statuses/:id')
  @Auth.user('read:filters')
  async show(@CurrentUser() user: UserState, @Param('id') id: string): Promise<MFilterStatus> {
    return serializeFilterStatus(
      await this.bus.request(f.getFilterStatus, { viewerId: user.accountId, filterStatusId: pathId(id) }),
    );
  }

  @Delete('statuses/:id')
  @Auth.user('write:filters')
  async remove(@CurrentUser() user: UserState, @Param('id') id: string): Promise<Record<string, never>> {
    return this.bus.request(f.deleteFilterStatus, { viewerId: user.accountId, filterStatusId: pathId(id) });
  }

  @Get(':filterId/statuses')
  @Auth.user('read:filters')
  async list(@CurrentUser() user: UserState, @Param('filterId') filterId: string): Promise<MFilterStatus[]> {
    const { statuses } = await this.bus.request(f.listFilterStatuses, {
      viewerId: user.accountId,
      filterId: pathId(filterId),
    });
    return statuses.map(serializeFilterStatus);
  }

  /** Only a status the viewer may see, as Mastodon's StatusPolicy allows: 422 otherwise. */
  @Post(':filterId/statuses')
  @HttpCode(200)
  @Auth.user('write:filters')
  async create(
    @CurrentUser() user: UserState,
    @Param('filterId') filterId: string,
    @Body() body: BodyOf,
  ): Promise<MFilterStatus> {
    const id = pathId(filterId);
    // Someone else's filter is not found, whatever the status.
    await this.bus.request(f.getFilter, { viewerId: user.accountId, filterId: id });
    const statusId = toStr((body ?? {}).status_id)?.trim() ?? '';
    if (!(await this.presenter.findVisible(statusId, user.accountId)))
      throw Errors.unprocessable('Validation failed: Status is invalid', {
        status_id: [{ error: 'ERR_INVALID', description: 'is invalid' }],
      });
    return serializeFilterStatus(
      await this.bus.request(f.addFilterStatus, { viewerId: user.accountId, filterId: id, statusId }),
    );
  }
}
