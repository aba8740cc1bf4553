import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { CONFIG, type Config, logger } from '@mammut/platform';
import { randomBytes } from 'node:crypto';
import { Client, type Notification } from 'pg';
import { GrantCache } from './grant-cache';

/** The channel the NotifyGrantChanges triggers notify on (its migration spells it out too). */
export const GRANT_CHANGES_CHANNEL = 'mammut_accounts_grants';

const RECONNECT_MS = 1_000;
/** How often the listener proves it still hears: a notification to itself, on its own connection. */
const HEARTBEAT_MS = 10_000;
/** A heartbeat not heard back within this is a connection that went quiet: it is replaced. */
const HEARTBEAT_TIMEOUT_MS = 5_000;

/**
 * Evicts cached grants when PostgreSQL says they changed. The triggers fire on every writer (this
 * service, another replica, the operator CLI, hand-written SQL), and LISTEN delivers each commit's
 * notifications to every listening replica. While the listening connection is down the cache is
 * told to trust nothing, since notifications sent meanwhile are lost. A connection can also die
 * without a word (a NAT forgetting it, a pooler that drops LISTEN): a heartbeat sent to itself
 * every few seconds catches that too.
 */
@Injectable()
export class GrantChangesListener implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = logger('accounts:grant-changes');
  private client?: Client;
  private retry?: NodeJS.Timeout;
  private heartbeat?: NodeJS.Timeout;
  private awaited?: { nonce: string; heard: () => void };
  private stopped = false;

  constructor(
    @Inject(CONFIG) private readonly config: Config,
    private readonly cache: GrantCache,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.listen();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    clearInterval(this.heartbeat);
    this.cache.stopTrusting();
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async listen(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({
      connectionString: this.config.databaseUrl,
      application_name: 'mammut-accounts-grants',
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    client.on('notification', this.onNotification);
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN "${GRANT_CHANGES_CHANNEL}"`);
    } catch (err) {
      this.lost(client, err);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.cache.startTrusting();
    clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => void this.checkNow(), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /**
   * Sends a notification to itself and waits for it: true when heard in time. When not, the
   * connection is treated as lost (cache off, reconnect).
   */
  async checkNow(timeoutMs = HEARTBEAT_TIMEOUT_MS): Promise<boolean> {
    const client = this.client;
    if (!client || this.awaited) return false;
    const nonce = randomBytes(8).toString('hex');
    const heard = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.awaited = {
        nonce,
        heard: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      client.query('SELECT pg_notify($1, $2)', [GRANT_CHANGES_CHANNEL, `p:${nonce}`]).catch(() => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    this.awaited = undefined;
    if (!heard) this.lost(client, new Error('heartbeat not heard back'));
    return heard;
  }

  private lost(client: Client, err?: unknown): void {
    client.removeAllListeners('notification');
    void client.end().catch(() => undefined);
    // A connection replaced already (its late 'end') changes nothing.
    if (this.client && this.client !== client) return;
    this.client = undefined;
    clearInterval(this.heartbeat);
    this.cache.stopTrusting();
    if (this.stopped || this.retry) return;
    this.log.warn({ err }, 'grant changes no longer heard; token cache off until listening again');
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.listen();
    }, RECONNECT_MS);
  }

  private readonly onNotification = (message: Notification): void => {
    if (message.channel !== GRANT_CHANGES_CHANNEL) return;
    const payload = message.payload ?? '';
    const key = payload.slice(2);
    // Heartbeats: ours proves the connection alive; other replicas' mean nothing here.
    if (payload.startsWith('p:')) {
      if (this.awaited?.nonce === key) this.awaited.heard();
      return;
    }
    if (payload.startsWith('t:')) this.cache.forgetToken(key);
    else if (payload.startsWith('u:')) this.cache.forgetUser(key);
    else if (payload.startsWith('a:')) this.cache.forgetAccount(key);
    // A notification this code does not know: forget everything rather than guess.
    else this.cache.forgetAll();
  };
}
