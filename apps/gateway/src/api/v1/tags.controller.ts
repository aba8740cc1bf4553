import { Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { contracts, type UserState } from '@mammut/contracts';
import { type MStatus, type MTag, type SerializeContext, serializeTag } from '@mammut/mastodon-api';
import { BUS, type Bus, hashtagName } from '@mammut/platform';
import { Auth, CurrentUser, ViewerAccountId } from '../../auth/auth.decorator';
import { type ListPage, Page, setListLinkHeader } from '../../http/account-page';
import { Errors } from '../../http/errors';
import { setLinkHeader } from '../../http/pagination';
import { toBool, toStrList } from '../../http/params';
import { SERIALIZE_CONTEXT } from '../../http/serialize-context';
import { StatusPresenter } from './statuses/status-presenter';

const tags = contracts.statuses.tags;
/** The most hashtags each of `any[]`, `all[]` and `none[]` takes on a hashtag timeline (Mastodon: 4 more). */
const MORE_TAGS = 4;

/** A hashtag named in a path, normalized; 404 for a name that is none, as Mastodon answers. */
function tagOf(value: string): string {
  const name = hashtagName(value);
  if (name === null) throw Errors.notFound();
  return name;
}

/** Hashtags, in each query list, normalized and deduplicated; names that are none are dropped. */
function tagList(value: unknown): string[] {
  return [...new Set(toStrList(value).flatMap((v) => hashtagName(v) ?? []))].slice(0, MORE_TAGS);
}

/** Hashtags: reading and following them, the hashtag timeline, and the hashtags one follows. */
@Controller('api/v1')
export class TagsController {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(SERIALIZE_CONTEXT) private readonly ctx: SerializeContext,
    private readonly presenter: StatusPresenter,
  ) {}

  @Get('tags/:name')
  @Auth.optional('read:statuses', 'read:follows')
  async show(@Param('name') name: string, @ViewerAccountId() viewer: string | null): Promise<MTag> {
    const { tags: found } = await this.bus.request(tags.getTags, { names: [tagOf(name)], viewerId: viewer });
    return serializeTag(found[0], this.ctx, viewer !== null);
  }

  @Post('tags/:name/follow')
  @HttpCode(200)
  @Auth.user('write:follows')
  async follow(@Param('name') name: string, @CurrentUser() user: UserState): Promise<MTag> {
    const tag = await this.bus.request(tags.followTag, { accountId: user.accountId, name: tagOf(name) });
    return serializeTag(tag, this.ctx, true);
  }

  @Post('tags/:name/unfollow')
  @HttpCode(200)
  @Auth.user('write:follows')
  async unfollow(@Param('name') name: string, @CurrentUser() user: UserState): Promise<MTag> {
    const tag = await this.bus.request(tags.unfollowTag, { accountId: user.accountId, name: tagOf(name) });
    return serializeTag(tag, this.ctx, true);
  }

  @Get('followed_tags')
  @Auth.user('read:follows')
  async followed(
    @CurrentUser() user: UserState,
    @Page({ limit: 100, max: 200 }) page: ListPage,
  ): Promise<MTag[]> {
    const { items } = await this.bus.request(tags.listFollowedTags, {
      accountId: user.accountId,
      page: page.params,
    });
    setListLinkHeader(items, page, this.ctx.origin);
    return items.map((item) => serializeTag(item.tag, this.ctx, true));
  }

  /**
   * Public statuses with the hashtag (or any of `any[]`), all of `all[]` and none of `none[]`,
   * each passing the viewer's rules as on the public timeline.
   */
  @Get('timelines/tag/:name')
  @Auth.optional('read:statuses')
  async timeline(
    @Param('name') name: string,
    @Query() query: Record<string, unknown>,
    @ViewerAccountId() viewer: string | null,
    @Page({ limit: 20, max: 40 }) page: ListPage,
  ): Promise<MStatus[]> {
    const local = toBool(query.local) ? true : toBool(query.remote) ? false : null;
    const { statuses } = await this.bus.request(tags.listTagStatuses, {
      any: [...new Set([tagOf(name), ...tagList(query.any)])],
      all: tagList(query.all),
      none: tagList(query.none),
      local,
      onlyMedia: toBool(query.only_media) ?? false,
      page: page.params,
    });
    setLinkHeader(page.request, page.reply, this.ctx.origin, {
      newest: statuses[0]?.id,
      oldest: statuses.at(-1)?.id,
    });
    return this.presenter.present(statuses, viewer, { context: 'public' });
  }
}
