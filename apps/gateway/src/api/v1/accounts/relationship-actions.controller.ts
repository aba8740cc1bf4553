import { Body, Controller, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { contracts, type RelationshipRecord, type UserState } from '@mammut/contracts';
import { type MRelationship, serializeRelationship } from '@mammut/mastodon-api';
import { BUS, type Bus } from '@mammut/platform';
import { Auth, CurrentUser } from '../../../auth/auth.decorator';
import { Errors } from '../../../http/errors';
import { isId, toBool, toStr, toStrList } from '../../../http/params';

type Body = Record<string, unknown> | undefined;
const c = contracts.accounts.relationships;
/** The longest mute the service accepts; longer asks are clamped rather than refused. */
const MAX_MUTE_SECONDS = 10 * 366 * 24 * 3600;

/** Seconds for a mute: absent, invalid or negative means forever (0), as Mastodon's `to_i` gives. */
function toDuration(value: unknown): number {
  const parsed = Number.parseInt(toStr(value) ?? '', 10);
  if (!Number.isFinite(parsed) || parsed <= 0) return 0;
  return Math.min(parsed, MAX_MUTE_SECONDS);
}

/** POST /api/v1/accounts/:id/<action>: each answers the viewer's Relationship to the account. */
@Controller('api/v1/accounts/:id')
export class RelationshipActionsController {
  constructor(@Inject(BUS) private readonly bus: Bus) {}

  @Post('follow')
  @HttpCode(200)
  @Auth.user('write:follows')
  follow(
    @CurrentUser() user: UserState,
    @Param('id') id: string,
    @Body() body: Body,
  ): Promise<MRelationship> {
    const b = body ?? {};
    return this.act(id, (targetId) =>
      this.bus.request(c.follow, {
        viewerId: user.accountId,
        targetId,
        reblogs: toBool(b.reblogs),
        notify: toBool(b.notify),
        languages: b.languages === undefined ? undefined : toStrList(b.languages),
      }),
    );
  }

  @Post('unfollow')
  @HttpCode(200)
  @Auth.user('write:follows')
  unfollow(@CurrentUser() user: UserState, @Param('id') id: string): Promise<MRelationship> {
    return this.act(id, (targetId) => this.bus.request(c.unfollow, { viewerId: user.accountId, targetId }));
  }

  @Post('remove_from_followers')
  @HttpCode(200)
  @Auth.user('write:follows')
  removeFromFollowers(@CurrentUser() user: UserState, @Param('id') id: string): Promise<MRelationship> {
    return this.act(id, (targetId) =>
      this.bus.request(c.removeFromFollowers, { viewerId: user.accountId, targetId }),
    );
  }

  @Post('block')
  @HttpCode(200)
  @Auth.user('write:blocks')
  block(@CurrentUser() user: UserState, @Param('id') id: string): Promise<MRelationship> {
    return this.act(id, (targetId) => this.bus.request(c.block, { viewerId: user.accountId, targetId }));
  }

  @Post('unblock')
  @HttpCode(200)
  @Auth.user('write:blocks')
  unblock(@CurrentUser() user: UserState, @Param('id') id: string): Promise<MRelationship> {
    return this.act(id, (targetId) => this.bus.request(c.unblock, { viewerId: user.accountId, targetId }));
  }

  @Post('mute')
  @HttpCode(200)
  @Auth.user('write:mutes')
  mute(@CurrentUser() user: UserState, @Param('id') id: string, @Body() body: Body): Promise<MRelationship> {
    const b = body ?? {};
    return this.act(id, (targetId) =>
      this.bus.request(c.mute, {
        viewerId: user.accountId,
        targetId,
        notifications: toBool(b.notifications) ?? true,
        durationSeconds: toDuration(b.duration),
      }),
    );
  }

  @Post('unmute')
  @HttpCode(200)
  @Auth.user('write:mutes')
  unmute(@CurrentUser() user: UserState, @Param('id') id: string): Promise<MRelationship> {
    return this.act(id, (targetId) => this.bus.request(c.unmute, { viewerId: user.accountId, targetId }));
  }

  @Post('note')
  @HttpCode(200)
  @Auth.user('write:accounts')
  note(@CurrentUser() user: UserState, @Param('id') id: string, @Body() body: Body): Promise<MRelationship> {
    const comment = toStr((body ?? {}).comment) ?? '';
    // Far past the 2000-character limit: refuse here with the same 422 rather than ship it over the bus.
    if (comment.length > 100_000) {
      throw Errors.unprocessable('Validation failed: Comment is too long (maximum is 2000 characters)');
    }
    return this.act(id, (targetId) =>
      this.bus.request(c.setNote, { viewerId: user.accountId, targetId, comment }),
    );
  }

  @Post(['endorse', 'pin'])
  @HttpCode(200)
  @Auth.user('write:accounts')
  endorse(@CurrentUser() user: UserState, @Param('id') id: string): Promise<MRelationship> {
    return this.act(id, (targetId) => this.bus.request(c.endorse, { viewerId: user.accountId, targetId }));
  }

  @Post(['unendorse', 'unpin'])
  @HttpCode(200)
  @Auth.user('write:accounts')
  unendorse(@CurrentUser() user: UserState, @Param('id') id: string): Promise<MRelationship> {
    return this.act(id, (targetId) => this.bus.request(c.unendorse, { viewerId: user.accountId, targetId }));
  }

  /** Malformed ids are unknown accounts: 404 before any work. */
  private async act(
    id: string,
    run: (targetId: string) => Promise<RelationshipRecord>,
  ): Promise<MRelationship> {
    if (!isId(id)) throw Errors.notFound();
    return serializeRelationship(await run(id));
  }
}
