import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { AccountPageItem } from '@mammut/contracts';
import { type MAccount, type SerializeContext, serializeAccount } from '@mammut/mastodon-api';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type PageParams, pageParams, setLinkHeader } from './pagination';

/** A paged list request: the page asked for, and the exchange its `Link` header is written to. */
export interface ListPage {
  readonly params: PageParams;
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
}

/** The page of a list route, from `max_id`/`since_id`/`min_id`/`limit` (default and most per page). */
export const Page = createParamDecorator(
  (limits: { limit: number; max: number } | undefined, ctx: ExecutionContext): ListPage => {
    const http = ctx.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const { limit, max } = limits ?? { limit: 40, max: 80 };
    return {
      params: pageParams(request.query as Record<string, unknown>, limit, max),
      request,
      reply: http.getResponse<FastifyReply>(),
    };
  },
);

/**
 * Sets `Link` for a page of a row-cursored list (followers, blocks, mutes, domain blocks …).
 * Clients can only page these through `Link`, since the cursor is not an entity id. As Mastodon
 * does on these lists, `next` is given only for a full page: masto's paginator would otherwise
 * fetch one more, empty page after the last.
 */
export function setListLinkHeader(
  cursors: readonly { cursor: string }[],
  page: ListPage,
  origin: string,
): void {
  setLinkHeader(
    page.request,
    page.reply,
    origin,
    { newest: cursors[0]?.cursor, oldest: cursors.at(-1)?.cursor },
    { next: cursors.length >= page.params.limit },
  );
}

/** Serializes a page of accounts and sets its `Link` header. */
export function accountPage(
  items: readonly AccountPageItem[],
  page: ListPage,
  ctx: SerializeContext,
): MAccount[] {
  setListLinkHeader(items, page, ctx.origin);
  return items.map((item) => serializeAccount(item.account, ctx));
}
