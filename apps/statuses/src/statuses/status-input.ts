import { Inject, Injectable } from '@nestjs/common';
import {
  type AccountRecord,
  ContractError,
  contracts,
  type ErrorDetails,
  POLL_LIMITS,
  type PollInput,
  STATUS_LIMITS,
} from '@mammut/contracts';
import {
  BUS,
  type Bus,
  CONFIG,
  type Config,
  extractMentions,
  type MentionTarget,
  renderPlainText,
  statusLength,
} from '@mammut/platform';

/** Mentions resolved per status; Mastodon stops delivering past a few dozen too. */
const MAX_MENTIONS = 50;
/** A language tag as clients send it (`en`, `pt-BR`, `zh-Hant`); anything else is dropped, as Mastodon does. */
const LANGUAGE = /^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/;

const graphemes = new Intl.Segmenter();
const graphemeLength = (text: string): number => [...graphemes.segment(text)].length;

/** The language asked for when it looks like one, else null. */
export function languageOf(requested: string | null): string | null {
  return requested && LANGUAGE.test(requested) ? requested : null;
}

/**
 * What a new status or an edit says, checked as Mastodon checks it (StatusLengthValidator, text
 * presence unless it has media, PollOptionsValidator and PollExpirationValidator): every problem at once, in one
 * `unprocessable` with Mastodon's messages. Answers the poll as it will be stored, its options
 * stripped and blank ones dropped (Poll#prepare_options).
 */
export function validateStatusInput(
  input: { text: string; spoilerText: string; poll: PollInput | null; mediaIds?: readonly string[] },
  polls: { minExpirationSeconds: number },
): PollInput | null {
  const details: ErrorDetails = {};
  const messages: string[] = [];
  const add = (field: string, error: string, description: string, message: string): void => {
    (details[field] ??= []).push({ error, description });
    messages.push(message);
  };
  // A status with media may say nothing (Mastodon's `unless: with_media?`).
  if (!input.text.trim() && !input.mediaIds?.length)
    add('text', 'ERR_BLANK', "can't be blank", "Text can't be blank");
  const length = statusLength(input.spoilerText + input.text, STATUS_LIMITS.charactersReservedPerUrl);
  if (length > STATUS_LIMITS.characters)
    add(
      'text',
      'ERR_TOO_LONG',
      `character limit of ${STATUS_LIMITS.characters} exceeded`,
      `Text character limit of ${STATUS_LIMITS.characters} exceeded`,
    );
  const poll = input.poll && {
    ...input.poll,
    options: input.poll.options.map((option) => option.trim()).filter(Boolean),
  };
  if (poll) {
    const option = (error: string, description: string): void =>
      add('poll.options', error, description, `Poll options ${description}`);
    if (poll.options.length < 2) option('ERR_TOO_SHORT', 'must have more than one item');
    if (poll.options.length > POLL_LIMITS.options)
      option('ERR_TOO_LONG', `can't contain more than ${POLL_LIMITS.options} items`);
    if (poll.options.some((title) => graphemeLength(title) > POLL_LIMITS.charactersPerOption))
      option('ERR_TOO_LONG', `cannot be longer than ${POLL_LIMITS.charactersPerOption} characters each`);
    if (new Set(poll.options).size !== poll.options.length) option('ERR_TAKEN', 'contain duplicate items');
    const expiry = (description: string): void =>
      add('poll.expires_at', 'ERR_INVALID', description, `Poll expires at ${description}`);
    if (poll.expiresIn < polls.minExpirationSeconds) expiry('is too soon');
    if (poll.expiresIn > POLL_LIMITS.maxExpiration) expiry('is too far into the future');
  }
  if (messages.length)
    throw new ContractError('unprocessable', `Validation failed: ${messages.join(', ')}`, details);
  return poll;
}

/**
 * How long posting waits for the accounts of mentions not known here: ProcessMentionsService
 * resolves them while posting too, and a server slow to answer must not hold the post up.
 */
const REMOTE_MENTION_DEADLINE_MS = 5_000;

type Target = MentionTarget & { id: string };

/**
 * Renders a local status's text: HTML with the accounts its mentions name linked. A `@user@domain`
 * not known here is resolved through federation (WebFinger, the actor) within a short deadline,
 * as Mastodon's ProcessMentionsService does; one that cannot be resolved in time stays plain text.
 */
@Injectable()
export class StatusRenderer {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  /** The HTML of the text and the accounts it mentions, in the order the text first names them. */
  async render(text: string): Promise<{ html: string; mentions: string[] }> {
    const handles = extractMentions(text).slice(0, MAX_MENTIONS);
    const targets = new Map<string, Target>();
    if (handles.length) {
      const { accounts } = await this.bus.request(contracts.accounts.profiles.lookupAccounts, {
        accts: handles,
      });
      for (const account of accounts) this.addTarget(targets, account);
      const localDomain = `@${this.config.localDomain.toLowerCase()}`;
      const unknown = handles.filter(
        (handle) => handle.includes('@') && !handle.endsWith(localDomain) && !targets.has(handle),
      );
      for (const { handle, account } of await this.resolved(unknown)) {
        // The handle WebFinger confirms may spell the domain otherwise than the text did.
        targets.set(handle, this.addTarget(targets, account));
      }
    }
    const mentions = [...new Set(handles.flatMap((handle) => targets.get(handle)?.id ?? []))];
    return {
      html: renderPlainText(text, { publicOrigin: this.config.publicOrigin, mentions: targets }),
      mentions,
    };
  }

  private addTarget(targets: Map<string, Target>, account: AccountRecord): Target {
    const target = {
      id: account.id,
      username: account.username,
      url: account.url ?? `${this.config.publicOrigin}/@${account.username}`,
    };
    // A bare `@user` names a local account only; any account can be named with its domain.
    if (account.domain === null) targets.set(account.username.toLowerCase(), target);
    targets.set(`${account.username}@${account.domain ?? this.config.localDomain}`.toLowerCase(), target);
    return target;
  }

  /** The accounts federation finds for these remote handles in time, each with the handle asked. */
  private async resolved(handles: string[]): Promise<{ handle: string; account: AccountRecord }[]> {
    const found = (
      await Promise.all(handles.map(async (handle) => ({ handle, id: await this.resolve(handle) })))
    ).flatMap(({ handle, id }) => (id ? [{ handle, id }] : []));
    if (!found.length) return [];
    const { accounts } = await this.bus.request(contracts.accounts.profiles.getAccounts, {
      ids: found.map((entry) => entry.id),
    });
    const byId = new Map(accounts.map((account) => [account.id, account]));
    return found.flatMap(({ handle, id }) => {
      const account = byId.get(id);
      return account ? [{ handle, account }] : [];
    });
  }

  /** The account id of a remote handle, or null when its server does not answer it in time. */
  private async resolve(acct: string): Promise<string | null> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), REMOTE_MENTION_DEADLINE_MS);
    });
    try {
      const asked = this.bus
        .request(
          contracts.federation.remoteAccounts.resolve,
          { acct },
          { timeoutMs: REMOTE_MENTION_DEADLINE_MS },
        )
        .then(({ accountId }) => accountId);
      return await Promise.race([asked, late]);
    } catch (error) {
      if (error instanceof ContractError) return null;
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }
}
