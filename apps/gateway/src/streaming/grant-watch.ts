import { hash } from 'node:crypto';
import {
  type GrantChangedMessage,
  grantChangedMessage,
  grantChangedSubject,
  type TokenGrant,
} from '@mammut/contracts';
import { logger } from '@mammut/platform';
import { Events, type NatsConnection, type Subscription } from 'nats';

const log = logger('gateway:grant-watch');
const decoder = new TextDecoder();

/** A token asked about again on its own this often on average, should a grant change go unheard. */
export const BACKSTOP_MS = 30_000;
/** How often the watch looks for tokens due for their backstop check. */
const TICK_MS = 250;
/** When everything may have changed, the re-checks are spread over this, not sent at once. */
const EVERYTHING_SPREAD_MS = 1_000;
/**
 * How long a heard change is remembered: a session authenticated before a change but opened after
 * it (a WebSocket's handshake lies between) is checked again when it joins.
 */
const HEARD_MS = 10_000;
/** Remembers `everything` messages among the tags. */
const EVERYTHING = '*';

/** What the watch needs of a session: its token, and the grant it streams under (kept current). */
export interface WatchedSession {
  readonly token: string;
  grant: TokenGrant;
}

export interface GrantWatchOptions<S extends WatchedSession> {
  readonly nats: NatsConnection;
  readonly natsPrefix: string;
  /** What a token grants now, or false; throws when the accounts service cannot answer. */
  validate(token: string): Promise<TokenGrant | false>;
  /** Whether a grant still lets its holder stream. */
  usable(grant: TokenGrant): boolean;
  /** A session whose token no longer lets it stream: end it (it is removed from the watch by then). */
  revoked(session: S): void;
}

/** The open sessions of one token, and where its checks stand. */
interface Watched<S> {
  readonly token: string;
  readonly tag: string;
  readonly sessions: Set<S>;
  /** The user and account tags its grant is filed under. */
  owners: readonly string[];
  dueAt: number;
  checking: boolean;
  /** A change was heard while a check was under way, whose answer may predate it: ask once more. */
  again: boolean;
}

/** The tag the accounts schema's triggers give a token: its SHA-256 digest, as the accounts service stores it. */
export const tokenTag = (token: string): string => `t:${hash('sha256', token, 'hex')}`;

const ownersOf = (grant: TokenGrant): string[] =>
  grant.user ? [`u:${grant.user.userId}`, `a:${grant.user.accountId}`] : [];

/**
 * Ends streaming sessions whose token stopped granting anything, within moments of the change and
 * without asking about tokens nothing happened to. The accounts service passes on every grant
 * change PostgreSQL tells it of (`broadcast.accounts.grant.changed`: a token, a user, an account,
 * or everything), to every gateway replica; the watch files sessions under those same tags and
 * asks again only about the tokens a change names. Each replica sends each change, so the same
 * change arrives several times: a check under way when another arrives runs once more after it
 * (its answer may have come from a replica that had not heard yet), otherwise repeats cost one
 * check each.
 *
 * Lost messages: every token is still asked about every 30 s or so (staggered), everything is
 * asked about again when the bus connection comes back, and an accounts replica that (re)starts
 * listening to PostgreSQL says that everything may have changed.
 */
export class GrantWatch<S extends WatchedSession> {
  /** By token tag (`t:<digest>`). */
  private readonly tokens = new Map<string, Watched<S>>();
  /** Token tags by user and account tag (`u:<id>`, `a:<id>`). */
  private readonly owned = new Map<string, Set<string>>();
  /** When each tag (or `*`) was last heard, for HEARD_MS. */
  private readonly heard = new Map<string, number>();
  private subscription?: Subscription;
  private ticker?: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly options: GrantWatchOptions<S>) {}

  start(): void {
    const prefix = this.options.natsPrefix;
    this.subscription = this.options.nats.subscribe(
      prefix ? `${prefix}.${grantChangedSubject}` : grantChangedSubject,
      { callback: (error, msg) => (error ? undefined : this.onMessage(msg.data)) },
    );
    this.ticker = setInterval(() => this.tick(), TICK_MS);
    this.ticker.unref();
    void this.watchConnection();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.ticker);
    this.subscription?.unsubscribe();
  }

  /**
   * Watches a session's token. `authenticatedAt`: when its grant was asked for; a change heard
   * since then may not be in it, so the token is asked about again at once.
   */
  add(session: S, authenticatedAt: number): void {
    const tag = tokenTag(session.token);
    let watched = this.tokens.get(tag);
    if (!watched) {
      watched = {
        token: session.token,
        tag,
        sessions: new Set(),
        owners: [],
        dueAt: this.nextDue(),
        checking: false,
        again: false,
      };
      this.tokens.set(tag, watched);
      this.file(watched, ownersOf(session.grant));
    }
    watched.sessions.add(session);
    const changedSince = [EVERYTHING, tag, ...watched.owners].some(
      (key) => (this.heard.get(key) ?? -Infinity) >= authenticatedAt,
    );
    if (changedSince) this.check(watched);
  }

  remove(session: S): void {
    const tag = tokenTag(session.token);
    const watched = this.tokens.get(tag);
    if (!watched?.sessions.delete(session) || watched.sessions.size > 0) return;
    this.tokens.delete(tag);
    this.file(watched, []);
  }

  /** How many tokens are watched (for tests). */
  get size(): number {
    return this.tokens.size;
  }

  private onMessage(data: Uint8Array): void {
    let parsed: GrantChangedMessage;
    try {
      parsed = grantChangedMessage.parse(JSON.parse(decoder.decode(data)));
    } catch {
      log.warn('unreadable grant change');
      return;
    }
    const now = Date.now();
    if ('everything' in parsed) {
      this.heard.set(EVERYTHING, now);
      this.everything();
      return;
    }
    const { tag } = parsed;
    this.heard.set(tag, now);
    if (tag.startsWith('t:')) {
      const watched = this.tokens.get(tag);
      if (watched) this.check(watched);
      return;
    }
    for (const owned of this.owned.get(tag) ?? []) {
      const watched = this.tokens.get(owned);
      if (watched) this.check(watched);
    }
  }

  /** Every token soon, spread so that thousands of streams do not ask at the same moment. */
  private everything(): void {
    const now = Date.now();
    for (const watched of this.tokens.values())
      watched.dueAt = Math.min(watched.dueAt, now + Math.random() * EVERYTHING_SPREAD_MS);
  }

  private tick(): void {
    const now = Date.now();
    for (const watched of this.tokens.values()) if (watched.dueAt <= now) this.check(watched);
    for (const [key, at] of this.heard) if (at < now - HEARD_MS) this.heard.delete(key);
  }

  /** A bus connection that dropped may have dropped messages with it. */
  private async watchConnection(): Promise<void> {
    for await (const status of this.options.nats.status()) {
      if (this.stopped) return;
      if (status.type === Events.Reconnect) this.everything();
    }
  }

  private check(watched: Watched<S>): void {
    if (watched.checking) {
      watched.again = true;
      return;
    }
    watched.checking = true;
    void (async () => {
      try {
        do {
          watched.again = false;
          await this.checkOnce(watched);
        } while (watched.again && this.tokens.get(watched.tag) === watched);
      } finally {
        watched.checking = false;
      }
    })();
  }

  private async checkOnce(watched: Watched<S>): Promise<void> {
    watched.dueAt = this.nextDue();
    let grant: TokenGrant | false;
    try {
      grant = await this.options.validate(watched.token);
    } catch {
      return; // The accounts service is away: keep the sessions until it answers.
    }
    // Every session of the token closed meanwhile.
    if (this.tokens.get(watched.tag) !== watched) return;
    if (grant && this.options.usable(grant)) {
      for (const session of watched.sessions) session.grant = grant;
      this.file(watched, ownersOf(grant));
      return;
    }
    this.tokens.delete(watched.tag);
    this.file(watched, []);
    for (const session of [...watched.sessions]) this.options.revoked(session);
    watched.sessions.clear();
  }

  /** Files a token under the user and account tags of its grant, and only those. */
  private file(watched: Watched<S>, owners: readonly string[]): void {
    for (const owner of watched.owners) {
      const tags = this.owned.get(owner);
      tags?.delete(watched.tag);
      if (tags?.size === 0) this.owned.delete(owner);
    }
    watched.owners = owners;
    for (const owner of owners) {
      const tags = this.owned.get(owner) ?? new Set<string>();
      tags.add(watched.tag);
      this.owned.set(owner, tags);
    }
  }

  /** The next backstop check: BACKSTOP_MS on average, spread ±25% so tokens do not bunch up. */
  private nextDue(): number {
    return Date.now() + BACKSTOP_MS * (0.75 + Math.random() / 2);
  }
}
