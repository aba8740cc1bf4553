import { Inject, Injectable } from '@nestjs/common';
import {
  ContractError,
  type DomainBlockRecord,
  type DomainBlockSeverity,
  type RequestOf,
  contracts,
} from '@mammut/contracts';
import { logger, type Outbox } from '@mammut/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { FEDERATION_DB, FEDERATION_OUTBOX } from '../database/federation-database';
import { normalizeDomain, ruleDomainsOf } from './domain-names';

const { domainBlockChanged } = contracts.federation.domainBlocks.events;

type Changes = Omit<RequestOf<typeof contracts.federation.domainBlocks.update>, 'domain'>;

/**
 * How long a replica trusts its copy of the blocks: a change made elsewhere (another replica, the
 * operator CLI) applies here within this time; one made here applies at once.
 */
const BLOCKS_TTL_MS = 30_000;

interface Row {
  id: string;
  domain: string;
  severity: DomainBlockSeverity;
  reject_media: boolean;
  reject_reports: boolean;
  obfuscate: boolean;
  private_comment: string | null;
  public_comment: string | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `id::text AS id, domain, severity, reject_media, reject_reports, obfuscate,
  private_comment, public_comment, created_at, updated_at`;

const toRecord = (row: Row): DomainBlockRecord => ({
  id: row.id,
  domain: row.domain,
  severity: row.severity,
  rejectMedia: row.reject_media,
  rejectReports: row.reject_reports,
  obfuscate: row.obfuscate,
  privateComment: row.private_comment,
  publicComment: row.public_comment,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

/** Mastodon's order for the block list: noop, silence, suspend, then by domain. */
const SEVERITY_ORDER = `CASE severity WHEN 'noop' THEN 0 WHEN 'silence' THEN 1 ELSE 2 END, domain`;

/**
 * The instance's domain blocks: kept in PostgreSQL, and read by every check (inbox, deliveries,
 * fetches, resolution) from a copy of the whole, small table held for a few seconds, so a fan-out
 * to a thousand inboxes costs no query per inbox. The rule for a host is the block of the host or
 * of its closest parent domain, as Mastodon's DomainBlock.rule_for.
 */
@Injectable()
export class DomainBlocks {
  private readonly log = logger('federation:domain-blocks');
  private cached?: { byDomain: Map<string, DomainBlockRecord>; readAt: number };

  constructor(
    @Inject(FEDERATION_DB) private readonly db: DataSource,
    @Inject(FEDERATION_OUTBOX) private readonly outbox: Outbox,
  ) {}

  async list(): Promise<DomainBlockRecord[]> {
    const rows: Row[] = await this.db.query(
      `SELECT ${COLUMNS} FROM federation.domain_blocks ORDER BY ${SEVERITY_ORDER}`,
    );
    return rows.map(toRecord);
  }

  async create(domain: string, changes: Changes): Promise<DomainBlockRecord> {
    const host = this.normalized(domain);
    return this.changing(async (tx) => {
      const rows: Row[] = await tx.query(
        `INSERT INTO federation.domain_blocks
         (domain, severity, reject_media, reject_reports, obfuscate, private_comment, public_comment)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (domain) DO NOTHING
       RETURNING ${COLUMNS}`,
        [
          host,
          changes.severity ?? 'silence',
          changes.rejectMedia ?? false,
          changes.rejectReports ?? false,
          changes.obfuscate ?? false,
          changes.privateComment ?? null,
          changes.publicComment ?? null,
        ],
      );
      if (!rows[0]) throw new ContractError('conflict', `${host} is already blocked`);
      return toRecord(rows[0]);
    }, 'domain blocked');
  }

  async update(domain: string, changes: Changes): Promise<DomainBlockRecord> {
    const host = this.normalized(domain);
    return this.changing(async (tx) => {
      const rows: Row[] = await tx.query(
        // A CTE, so the query answers rows (TypeORM answers a bare UPDATE with [rows, count]).
        `WITH changed AS (UPDATE federation.domain_blocks SET
         severity = COALESCE($2, severity),
         reject_media = COALESCE($3, reject_media),
         reject_reports = COALESCE($4, reject_reports),
         obfuscate = COALESCE($5, obfuscate),
         private_comment = CASE WHEN $6 THEN $7 ELSE private_comment END,
         public_comment = CASE WHEN $8 THEN $9 ELSE public_comment END,
         updated_at = now()
       WHERE domain = $1
       RETURNING *)
       SELECT ${COLUMNS} FROM changed`,
        [
          host,
          changes.severity ?? null,
          changes.rejectMedia ?? null,
          changes.rejectReports ?? null,
          changes.obfuscate ?? null,
          changes.privateComment !== undefined,
          changes.privateComment ?? null,
          changes.publicComment !== undefined,
          changes.publicComment ?? null,
        ],
      );
      if (!rows[0]) throw new ContractError('not_found', `${host} is not blocked`);
      return toRecord(rows[0]);
    }, 'domain block changed');
  }

  /** Lifts the domain's block; the lifted block's domain and creation time. */
  async remove(domain: string): Promise<{ domain: string; since: string }> {
    const host = this.normalized(domain);
    const since = await this.db.transaction(async (tx) => {
      const rows: { created_at: Date }[] = await tx.query(
        `WITH removed AS (DELETE FROM federation.domain_blocks WHERE domain = $1 RETURNING created_at)
         SELECT created_at FROM removed`,
        [host],
      );
      if (!rows[0]) throw new ContractError('not_found', `${host} is not blocked`);
      const createdAt = rows[0].created_at.toISOString();
      await this.outbox.add(tx, domainBlockChanged, { domain: host, severity: null, since: createdAt });
      return createdAt;
    });
    this.cached = undefined;
    this.log.info({ domain: host }, 'domain unblocked');
    return { domain: host, since };
  }

  /** The block that applies to `host` (with or without port): its own or its closest parent's. */
  async ruleFor(host: string): Promise<DomainBlockRecord | undefined> {
    const byDomain = await this.blocks();
    if (byDomain.size === 0) return undefined;
    for (const domain of ruleDomainsOf(host)) {
      const rule = byDomain.get(domain);
      if (rule) return rule;
    }
    return undefined;
  }

  /** Whether `host` is suspended: nothing is accepted from, sent to or fetched from it. */
  async isSuspended(host: string): Promise<boolean> {
    return (await this.ruleFor(host))?.severity === 'suspend';
  }

  /**
   * Whether media from `host` is refused (`reject_media`, or suspended): its avatars, headers and
   * custom emoji are not kept, as Mastodon downloads none of them.
   */
  async rejectsMedia(host: string): Promise<boolean> {
    const rule = await this.ruleFor(host);
    return rule !== undefined && (rule.rejectMedia || rule.severity === 'suspend');
  }

  /** Since when `host` is silenced (its block's creation time), if it is. */
  async silencedSince(host: string): Promise<string | undefined> {
    const rule = await this.ruleFor(host);
    return rule?.severity === 'silence' ? rule.createdAt : undefined;
  }

  /** Whether the host of `url` is suspended; a URL that cannot be read has no host to allow. */
  async suspendsUrl(url: string): Promise<boolean> {
    let host: string;
    try {
      host = new URL(url).host;
    } catch {
      return false;
    }
    return this.isSuspended(host);
  }

  private async blocks(): Promise<Map<string, DomainBlockRecord>> {
    const clock = Date.now();
    if (!this.cached || clock - this.cached.readAt > BLOCKS_TTL_MS) {
      const byDomain = new Map((await this.list()).map((block) => [block.domain, block]));
      this.cached = { byDomain, readAt: clock };
    }
    return this.cached.byDomain;
  }

  /**
   * Writes a block in a transaction with its `domain_block.changed` event (accounts applies it to
   * the domain's accounts), then forgets the copy here so the change applies at once.
   */
  private async changing(
    write: (tx: EntityManager) => Promise<DomainBlockRecord>,
    message: string,
  ): Promise<DomainBlockRecord> {
    const block = await this.db.transaction(async (tx) => {
      const written = await write(tx);
      await this.outbox.add(tx, domainBlockChanged, {
        domain: written.domain,
        severity: written.severity,
        since: written.createdAt,
      });
      return written;
    });
    this.cached = undefined;
    this.log.info({ domain: block.domain, severity: block.severity }, message);
    return block;
  }

  private normalized(domain: string): string {
    const host = normalizeDomain(domain);
    if (!host) throw new ContractError('invalid_request', `${domain} is not a domain`);
    return host;
  }
}
