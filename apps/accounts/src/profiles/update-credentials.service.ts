import { Inject, Injectable } from '@nestjs/common';
import {
  contracts,
  type CredentialRecord,
  type ProfileAttribute,
  type ProfileField,
  type RequestOf,
} from '@mammut/contracts';
import type { Outbox } from '@mammut/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { ACCOUNTS_DB } from '../database/accounts-database';
import { ACCOUNTS_OUTBOX } from '../relationships/accounts-outbox';
import { FollowGraph } from '../relationships/follow-graph.repository';
import { AccountsQueries } from './accounts.queries';
import { ProfileText } from './profile-text';
import { Validation } from './validation';

export const PROFILE_LIMITS = {
  displayName: 30,
  note: 500,
  fields: 4,
  fieldName: 255,
  fieldValue: 255,
  /** Account::Avatar::MAX_DESCRIPTION_LENGTH, and the header's. */
  imageDescription: 150,
} as const;

type Changes = RequestOf<typeof contracts.accounts.profiles.updateCredentials>;
const events = { ...contracts.accounts.admin.events, ...contracts.accounts.relationships.events };

/** The public profile attributes a request changes (what an `account.updated` event names). */
function changedAttributes(
  changes: Changes,
  current: CredentialRecord['account'],
  fields: ProfileField[] | undefined,
): ProfileAttribute[] {
  const differs = <T>(next: T | undefined, now: T): boolean => next !== undefined && next !== now;
  const changed: [ProfileAttribute, boolean][] = [
    ['display_name', differs(changes.displayName, current.displayName)],
    ['note', differs(changes.note, current.noteSource)],
    [
      'fields',
      fields !== undefined &&
        JSON.stringify(fields.map((f) => [f.name, f.valueSource])) !==
          JSON.stringify(current.fields.map((f) => [f.name, f.valueSource])),
    ],
    ['avatar', differs(changes.avatarUrl, current.avatarUrl)],
    ['header', differs(changes.headerUrl, current.headerUrl)],
    ['locked', differs(changes.locked, current.locked)],
    ['bot', differs(changes.bot, current.bot)],
    ['discoverable', differs(changes.discoverable, current.discoverable)],
    ['indexable', differs(changes.indexable, current.indexable)],
    ['hide_collections', differs(changes.hideCollections, current.hideCollections)],
  ];
  return changed.filter(([, yes]) => yes).map(([attribute]) => attribute);
}

/** PATCH update_credentials: validates everything first, then changes account and settings in one transaction. */
@Injectable()
export class UpdateCredentials {
  constructor(
    @Inject(ACCOUNTS_DB) private readonly db: DataSource,
    private readonly queries: AccountsQueries,
    private readonly text: ProfileText,
    @Inject(ACCOUNTS_OUTBOX) private readonly outbox: Outbox,
    private readonly graph: FollowGraph,
  ) {}

  async execute(changes: Changes): Promise<CredentialRecord> {
    this.validate(changes);
    const current = await this.queries.credentials(changes.accountId);
    const fields = changes.fields?.filter((field) => field.name.trim() || field.value.trim());
    const [noteHtml, ...fieldHtml] = await this.text.render([
      changes.note ?? current.account.noteSource,
      ...(fields ?? []).map((field) => field.value),
    ]);
    const renderedFields: ProfileField[] | undefined = fields?.map((field, index) => ({
      name: field.name.trim(),
      value: fieldHtml[index],
      valueSource: field.value.trim(),
      verifiedAt: null,
    }));
    const settings: Record<string, unknown> = {};
    if (changes.privacy !== undefined) settings.privacy = changes.privacy;
    if (changes.sensitive !== undefined) settings.sensitive = changes.sensitive;
    if (changes.language !== undefined) settings.language = changes.language || null;

    await this.db.transaction(async (tx) => {
      await tx.query(
        `UPDATE accounts.accounts SET
           display_name = COALESCE($2, display_name),
           note = COALESCE($3, note),
           note_html = $4,
           locked = COALESCE($5, locked),
           bot = COALESCE($6, bot),
           discoverable = COALESCE($7, discoverable),
           indexable = COALESCE($8, indexable),
           hide_collections = COALESCE($9, hide_collections),
           fields = COALESCE($10::jsonb, fields),
           avatar_url = CASE WHEN $11 THEN $12 ELSE avatar_url END,
           avatar_static_url = CASE WHEN $11 THEN $15 ELSE avatar_static_url END,
           avatar_description = CASE WHEN $17::text IS NOT NULL THEN $17
                                     WHEN $11 AND $12::text IS NULL THEN '' ELSE avatar_description END,
           header_url = CASE WHEN $13 THEN $14 ELSE header_url END,
           header_static_url = CASE WHEN $13 THEN $16 ELSE header_static_url END,
           header_description = CASE WHEN $18::text IS NOT NULL THEN $18
                                     WHEN $13 AND $14::text IS NULL THEN '' ELSE header_description END,
           updated_at = now()
         WHERE id = $1`,
        [
          changes.accountId,
          changes.displayName ?? null,
          changes.note ?? null,
          noteHtml,
          changes.locked ?? null,
          changes.bot ?? null,
          changes.discoverable ?? null,
          changes.indexable ?? null,
          changes.hideCollections ?? null,
          renderedFields ? JSON.stringify(renderedFields) : null,
          changes.avatarUrl !== undefined,
          changes.avatarUrl ?? null,
          changes.headerUrl !== undefined,
          changes.headerUrl ?? null,
          changes.avatarStaticUrl ?? null,
          changes.headerStaticUrl ?? null,
          changes.avatarDescription ?? null,
          changes.headerDescription ?? null,
        ],
      );
      if (Object.keys(settings).length) {
        await tx.query(
          `UPDATE accounts.users SET settings = settings || $2::jsonb, updated_at = now() WHERE account_id = $1`,
          [changes.accountId, JSON.stringify(settings)],
        );
      }
      const changed = changedAttributes(changes, current.account, renderedFields);
      if (changed.length)
        await this.outbox.add(tx, events.accountUpdated, { accountId: changes.accountId, changed });
      if (changes.locked === false) await this.letPendingRequestsIn(tx, changes.accountId);
    });
    return this.queries.credentials(changes.accountId);
  }

  /**
   * A profile that unlocks lets its pending requests in, as Mastodon does, each authorized as one
   * by one would be (federation sends a remote requester its Accept). It takes each pair's lock,
   * in one order, as every relationship change does: a block racing the unlock either ends the
   * request first or finds the follow afterwards, never leaving a follow beside a block.
   */
  private async letPendingRequestsIn(tx: EntityManager, accountId: string): Promise<void> {
    const pending: { account_id: string }[] = await tx.query(
      `SELECT account_id::text FROM accounts.follow_requests WHERE target_account_id = $1 ORDER BY account_id`,
      [accountId],
    );
    if (!pending.length) return;
    const requesters = pending.map((row) => row.account_id);
    for (const requester of requesters) await this.graph.lockPair(tx, requester, accountId);
    // Each follow gets an id of its own table: a request's id is unique among requests only (ADR 0007).
    const moved: { id: string; account_id: string; uri: string | null }[] = await tx.query(
      `WITH moved AS (
         DELETE FROM accounts.follow_requests r
          WHERE r.target_account_id = $1 AND r.account_id = ANY($2::bigint[])
            AND NOT EXISTS (SELECT 1 FROM accounts.blocks b
              WHERE (b.account_id = r.account_id AND b.target_account_id = r.target_account_id)
                 OR (b.account_id = r.target_account_id AND b.target_account_id = r.account_id))
          RETURNING *)
       INSERT INTO accounts.follows (account_id, target_account_id, show_reblogs, notify, languages, uri, created_at)
       SELECT account_id, target_account_id, show_reblogs, notify, languages, uri, now() FROM moved ORDER BY id
       ON CONFLICT (account_id, target_account_id) DO NOTHING
       RETURNING id::text, account_id::text, uri`,
      [accountId, requesters],
    );
    // By the rows added, as every follow moves them (a remote requester's stored count included).
    await this.graph.adjustCounts(
      tx,
      moved.flatMap((follow) => [
        { accountId: follow.account_id, following: 1 },
        { accountId, followers: 1 },
      ]),
    );
    for (const follow of moved) {
      const pair = {
        followId: follow.id,
        accountId: follow.account_id,
        targetAccountId: accountId,
        uri: follow.uri,
      };
      await this.outbox.add(tx, events.followRequestAuthorized, pair);
      await this.outbox.add(tx, events.followCreated, pair);
    }
  }

  private validate(changes: Changes): void {
    const v = new Validation();
    v.maxLength('display_name', 'Display name', changes.displayName, PROFILE_LIMITS.displayName);
    v.noNul('display_name', 'Display name', changes.displayName);
    v.maxLength('note', 'Note', changes.note, PROFILE_LIMITS.note);
    v.noNul('note', 'Note', changes.note);
    v.noNul('language', 'Language', changes.language);
    for (const [field, label, value] of [
      ['avatar_description', 'Avatar description', changes.avatarDescription],
      ['header_description', 'Header description', changes.headerDescription],
    ] as const) {
      v.maxLength(field, label, value, PROFILE_LIMITS.imageDescription);
      v.noNul(field, label, value);
    }
    if (changes.language && !/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/.test(changes.language)) {
      v.add('language', 'ERR_INVALID', 'Language is not a valid language code');
    }
    if (changes.fields) {
      if (changes.fields.length > PROFILE_LIMITS.fields) {
        v.add('fields', 'ERR_TOO_LONG', `Fields is too long (maximum is ${PROFILE_LIMITS.fields} fields)`);
      }
      for (const field of changes.fields) {
        v.maxLength('fields', 'Field name', field.name, PROFILE_LIMITS.fieldName);
        v.maxLength('fields', 'Field value', field.value, PROFILE_LIMITS.fieldValue);
        v.noNul('fields', 'Field', field.name + field.value);
      }
    }
    v.throwIfInvalid();
  }
}
