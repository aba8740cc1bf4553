import { type AccountRecord, contracts } from '@mammut/contracts';
import { type MAccount, type SerializeContext, serializeAccount } from '@mammut/mastodon-api';
import type { Bus } from '@mammut/platform';

/**
 * Accounts as the API shows them on their own (a profile, a lookup): one that moved carries the
 * account it moved to as `moved`, fetched for the whole batch in one request, as Mastodon's
 * REST::AccountSerializer does (the moved-to account itself without its own `moved`).
 */
export async function serializeWithMoved(
  bus: Bus,
  ctx: SerializeContext,
  accounts: readonly AccountRecord[],
): Promise<MAccount[]> {
  const targetIds = [...new Set(accounts.flatMap((account) => account.movedToAccountId ?? []))];
  const targets = targetIds.length
    ? (await bus.request(contracts.accounts.profiles.getAccounts, { ids: targetIds })).accounts
    : [];
  return accounts.map((account) => {
    const serialized = serializeAccount(account, ctx);
    const target = targets.find((candidate) => candidate.id === account.movedToAccountId);
    if (target && !account.suspended) serialized.moved = serializeAccount(target, ctx);
    return serialized;
  });
}
