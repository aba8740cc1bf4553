import { Inject, Injectable } from '@nestjs/common';
import { type AccountRecord, ContractError, contracts, type PageRequest } from '@mammut/contracts';
import { BUS, type Bus } from '@mammut/platform';
import type { ImportRow, ImportType } from './import-rows';

/** Accounts resolved at once: unknown ones cost a WebFinger and an actor fetch each. */
const CONCURRENCY = 4;
const PAGE = 200;

export type ImportMode = 'merge' | 'overwrite';

export interface ImportResult {
  type: ImportType;
  mode: ImportMode;
  /** Rows in the file (repeats counted once). */
  total: number;
  imported: number;
  /** The addresses that could not be resolved or were refused (a block, a moved account). */
  failed: string[];
}

const REFUSALS = new Set(['not_found', 'forbidden', 'unprocessable', 'unavailable']);

/**
 * An import of Mastodon's CSV files (ImportService, BulkImportRowService): each address is
 * resolved (over federation when it is not known here, a few at a time) and followed, blocked or
 * muted with the options of its row; `overwrite` then ends those of the viewer's follows, blocks
 * or mutes the file does not list, as Mastodon's overwrite mode does. A row that fails is reported
 * and the rest goes on; importing the same file again changes nothing.
 */
@Injectable()
export class ImportRelationships {
  constructor(@Inject(BUS) private readonly bus: Bus) {}

  async execute(
    viewerId: string,
    type: ImportType,
    mode: ImportMode,
    rows: ImportRow[],
  ): Promise<ImportResult> {
    const failed: string[] = [];
    const kept = new Set<string>();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < rows.length) {
        const row = rows[next++];
        const targetId = await this.resolve(row.acct);
        if (targetId && targetId !== viewerId && (await this.apply(viewerId, type, row, targetId)))
          kept.add(targetId);
        else failed.push(row.acct);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, rows.length) }, worker));
    if (mode === 'overwrite') await this.removeUnlisted(viewerId, type, kept);
    return { type, mode, total: rows.length, imported: kept.size, failed: failed.sort() };
  }

  private async resolve(acct: string): Promise<string | undefined> {
    try {
      return (await this.bus.request(contracts.federation.remoteAccounts.resolve, { acct })).accountId;
    } catch (error) {
      if (error instanceof ContractError && REFUSALS.has(error.code)) return undefined;
      throw error;
    }
  }

  private async apply(
    viewerId: string,
    type: ImportType,
    row: ImportRow,
    targetId: string,
  ): Promise<boolean> {
    const r = contracts.accounts.relationships;
    try {
      switch (type) {
        case 'follows':
          await this.bus.request(r.follow, {
            viewerId,
            targetId,
            reblogs: row.reblogs,
            notify: row.notify,
            languages: row.languages,
          });
          break;
        case 'blocks':
          await this.bus.request(r.block, { viewerId, targetId });
          break;
        case 'mutes':
          await this.bus.request(r.mute, { viewerId, targetId, notifications: row.hideNotifications });
          break;
      }
      return true;
    } catch (error) {
      if (error instanceof ContractError && REFUSALS.has(error.code)) return false;
      throw error;
    }
  }

  private async removeUnlisted(viewerId: string, type: ImportType, kept: ReadonlySet<string>): Promise<void> {
    const r = contracts.accounts.relationships;
    const current = await this.current(viewerId, type);
    for (const account of current) {
      if (kept.has(account.id)) continue;
      const action = { viewerId, targetId: account.id };
      switch (type) {
        case 'follows':
          await this.bus.request(r.unfollow, action);
          break;
        case 'blocks':
          await this.bus.request(r.unblock, action);
          break;
        case 'mutes':
          await this.bus.request(r.unmute, action);
          break;
      }
    }
  }

  /** Everyone the viewer follows, blocks or mutes now. */
  private async current(viewerId: string, type: ImportType): Promise<AccountRecord[]> {
    const r = contracts.accounts.relationships;
    const list = (page: PageRequest) => {
      switch (type) {
        case 'follows':
          return this.bus.request(r.listFollowing, { accountId: viewerId, viewerId, page });
        case 'blocks':
          return this.bus.request(r.listBlocks, { viewerId, page });
        case 'mutes':
          return this.bus.request(r.listMutes, { viewerId, page });
      }
    };
    const accounts: AccountRecord[] = [];
    for (let maxId: string | undefined; ; ) {
      const { items } = await list({ limit: PAGE, ...(maxId ? { maxId } : {}) });
      accounts.push(...items.map((item) => item.account));
      if (items.length < PAGE) return accounts;
      maxId = items[items.length - 1].cursor;
    }
  }
}
