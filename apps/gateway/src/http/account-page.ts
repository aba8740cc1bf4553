import type { AccountPageItem } from '@mammut/contracts';
import { type MAccount, type SerializeContext, serializeAccount } from '@mammut/mastodon-api';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { setLinkHeader } from './pagination';

/**
 * Sets `Link` for a page of a row-cursored list (followers, blocks, mutes, domain blocks …).
 * Clients can only page these through `Link`, since the cursor is not an entity id. As Mastodon
 * does on these lists, `next` is given only for a full page: masto's paginator would otherwise
 * fetch one more, empty page after the last.
 */
export function setListLinkHeader(
  cursors: readonly { cursor: string }[],
  limit: number,
  request: FastifyRequest,
  reply: FastifyReply,
  origin: string,
): void {
  setLinkHeader(
    request,
    reply,
    origin,
    { newest: cursors[0]?.cursor, oldest: cursors.at(-1)?.cursor },
    { next: cursors.length >= limit },
  );
}

/** Serializes a page of accounts and sets its `Link` header. */
export function accountPage(
  items: readonly AccountPageItem[],
  limit: number,
  request: FastifyRequest,
  reply: FastifyReply,
  ctx: SerializeContext,
): MAccount[] {
  setListLinkHeader(items, limit, request, reply, ctx.origin);
  return items.map((item) => serializeAccount(item.account, ctx));
}
