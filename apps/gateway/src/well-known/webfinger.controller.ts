import { Controller, Get, Inject, Query, Res } from '@nestjs/common';
import { type AccountRecord, contracts } from '@mammut/contracts';
import { localAccountUrl, type SerializeContext } from '@mammut/mastodon-api';
import { BUS, type Bus, CONFIG, type Config } from '@mammut/platform';
import type { FastifyReply } from 'fastify';
import { Auth } from '../auth/auth.decorator';
import { Errors, HttpError } from '../http/errors';
import { toStr } from '../http/params';
import { SERIALIZE_CONTEXT } from '../http/serialize-context';
import { parseWebfingerResource } from './webfinger-resource';

export interface Jrd {
  subject: string;
  aliases: string[];
  links: ({ rel: string; type: string; href: string } | { rel: string; template: string })[];
}

/**
 * WebFinger (RFC 7033) for local accounts, as Mastodon serves it: the proof that a handle belongs
 * to an actor. Answered here until the federation service exists to own it.
 */
@Controller('.well-known/webfinger')
export class WebfingerController {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(CONFIG) private readonly config: Config,
    @Inject(SERIALIZE_CONTEXT) private readonly ctx: SerializeContext,
  ) {}

  @Get()
  @Auth.none()
  async webfinger(
    @Query() query: Record<string, unknown>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Jrd> {
    // Mastodon caches misses for 3 minutes and answers for 3 days.
    void reply.header('cache-control', 'public, max-age=180');
    const target = parseWebfingerResource(toStr(query.resource), this.config);
    if (target.kind === 'invalid') throw new HttpError(400, 'Invalid resource');
    if (target.kind === 'elsewhere') throw Errors.notFound();
    // The federation-facing read: WebFinger answers for every local account, as Mastodon's does
    // (the API hides unconfirmed ones); remote accounts are never ours to answer for.
    const { actors } = await this.bus.request(contracts.accounts.remote.lookupActors, {
      accts: [target.username],
    });
    const account = actors[0];
    if (!account || account.domain !== null) throw Errors.notFound();
    void reply
      .header('content-type', 'application/jrd+json; charset=utf-8')
      .header('cache-control', 'public, max-age=259200');
    return this.jrd(account);
  }

  private jrd(account: AccountRecord): Jrd {
    const origin = this.config.publicOrigin;
    const profile = account.url ?? localAccountUrl(this.ctx, account.username);
    return {
      subject: `acct:${account.username}@${this.config.localDomain}`,
      aliases: [profile, account.uri],
      links: [
        { rel: 'http://webfinger.net/rel/profile-page', type: 'text/html', href: profile },
        { rel: 'self', type: 'application/activity+json', href: account.uri },
        {
          rel: 'http://ostatus.org/schema/1.0/subscribe',
          template: `${origin}/authorize_interaction?uri={uri}`,
        },
      ],
    };
  }
}
