import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { CONFIG, type Config, logger, type TaggedCache } from '@mammut/platform';
import { randomBytes } from 'node:crypto';
import { Client, type Notification } from 'pg';
import { GrantCache } from './grant-cache';
import { AccountsCache, CredentialsCache, RelationshipsCache } from './read-caches';

/** The channel the accounts schema's triggers notify on (their migrations spell it out too). */
export const ACCOUNT_CHANGES_CHANNEL = 'mammut_accounts_grants';

const RECONNECT_MS = 1_000;
/** How often the listener proves it still hears: a notification to itself, on its own connection. */
const HEARTBEAT_MS = 10_000;
/** A heartbeat not heard back within this is a connection that went quiet: it is replaced. */
const HEARTBEAT_TIMEOUT_MS = 5_000;

/**
 * Keeps the in-process read caches (token grants, credentials, relationships) true to PostgreSQL.
 * Triggers notify the tag of whatever changed (`t:<digest>`, `u:<user>`, `a:<account>` for what
 * narrows a grant, `c:<account>` for credentials, `r:<account>` for its relationships) on every
 * writer: this process, another replica, the operator CLI, SQL by hand; LISTEN delivers each
 * commit's notifications to every listening replica within milliseconds, and each cache evicts
 * that tag.
 *
 * While the listening connection is down the caches trust nothing (notifications sent meanwhile
 * are lost). A connection can also die without a word (a NAT forgetting it, a pooler that drops
 * LISTEN): a heartbeat sent to itself every few seconds catches that too. And a write of this
 * process waits, after its commit, until its own notifications have been heard (`caughtUp`), so
 * the process that made a change never answers from before it.
 */
@Injectable()
export class AccountChangesListener implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = logger('accounts:changes');
  private readonly caches: readonly TaggedCache<unknown>[];
  private readonly awaited = new Map<string, () => void>();
  private client?: Client;
  private retry?: NodeJS.Timeout;
  private heartbeat?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    @Inject(CONFIG) private readonly config: Config,
    grants: GrantCache,
    credentials: CredentialsCache,
    relationships: RelationshipsCache,
    accounts: AccountsCache,
  ) {
    this.caches = [grants, credentials, relationships, accounts] as TaggedCache<unknown>[];
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.listen();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    clearInterval(this.heartbeat);
    for (const cache of this.caches) cache.stopTrusting();
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async listen(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({
      connectionString: this.config.databaseUrl,
      application_name: 'mammut-accounts-changes',
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    client.on('notification', this.onNotification);
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN "${ACCOUNT_CHANGES_CHANNEL}"`);
    } catch (err) {
      this.lost(client, err);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    for (const cache of this.caches) cache.startTrusting();
    clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => void this.checkNow(), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /**
   * Sends a notification to itself and waits for it: true when heard in time. When not, the
   * connection is treated as lost (caches off, reconnect).
   */
  async checkNow(timeoutMs = HEARTBEAT_TIMEOUT_MS): Promise<boolean> {
    const client = this.client;
    if (!client) return false;
    const heard = await this.roundTrip(client, timeoutMs);
    if (!heard) this.lost(client, new Error('heartbeat not heard back'));
    return heard;
  }

  /**
   * Resolves once every notification committed before this call has been applied to the caches:
   * PostgreSQL delivers notifications in commit order, so hearing one sent now means hearing all
   * earlier ones. Called after each write transaction of this process commits.
   */
  async caughtUp(): Promise<void> {
    const client = this.client;
    if (client && !(await this.roundTrip(client, HEARTBEAT_TIMEOUT_MS))) {
      this.lost(client, new Error('own notification not heard back'));
    }
  }

  private roundTrip(client: Client, timeoutMs: number): Promise<boolean> {
    const nonce = randomBytes(8).toString('hex');
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.awaited.delete(nonce);
        resolve(false);
      }, timeoutMs);
      this.awaited.set(nonce, () => {
        clearTimeout(timer);
        this.awaited.delete(nonce);
        resolve(true);
      });
      client.query('SELECT pg_notify($1, $2)', [ACCOUNT_CHANGES_CHANNEL, `p:${nonce}`]).catch(() => {
        clearTimeout(timer);
        this.awaited.delete(nonce);
        resolve(false);
      });
    });
  }

  private lost(client: Client, err?: unknown): void {
    client.removeAllListeners('notification');
    void client.end().catch(() => undefined);
    // A connection replaced already (its late 'end') changes nothing.
    if (this.client && this.client !== client) return;
    this.client = undefined;
    clearInterval(this.heartbeat);
    for (const cache of this.caches) cache.stopTrusting();
    // Nobody waits on a connection that is gone; the caches hold nothing now anyway.
    for (const heard of [...this.awaited.values()]) heard();
    if (this.stopped || this.retry) return;
    this.log.warn({ err }, 'account changes no longer heard; read caches off until listening again');
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.listen();
    }, RECONNECT_MS);
  }

  private readonly onNotification = (message: Notification): void => {
    if (message.channel !== ACCOUNT_CHANGES_CHANNEL) return;
    const payload = message.payload ?? '';
    // Heartbeats: ours prove the connection alive; other replicas' mean nothing here.
    if (payload.startsWith('p:')) {
      this.awaited.get(payload.slice(2))?.();
      return;
    }
    if (/^[tuacr]:./.test(payload)) {
      for (const cache of this.caches) cache.evict(payload);
      return;
    }
    // A notification this code does not know: forget everything rather than guess.
    for (const cache of this.caches) cache.clear();
  };
}
