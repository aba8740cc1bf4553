import { randomBytes } from 'node:crypto';
import { Client, type Notification } from 'pg';
import type { AfterQueryEvent, EntitySubscriberInterface } from 'typeorm';
import { logger } from '../logging/logger';
import type { TaggedCache } from './tagged-cache';

const RECONNECT_MS = 1_000;
/** How often the listener proves it still hears: a notification to itself, on its own connection. */
const HEARTBEAT_MS = 10_000;
/** A heartbeat not heard back within this is a connection that went quiet: it is replaced. */
const HEARTBEAT_TIMEOUT_MS = 5_000;

export interface ChangeListenerOptions {
  readonly databaseUrl: string;
  /** The channel the schema's triggers notify on (their migrations spell it out too). */
  readonly channel: string;
  /** Names the connection in `pg_stat_activity` and the log. */
  readonly name: string;
  /** The tags the triggers send; anything else empties the caches rather than guess. */
  readonly tags: RegExp;
  readonly caches: readonly TaggedCache<unknown>[];
  /**
   * Told each tag once its caches evicted it, and `undefined` whenever changes may have gone
   * unheard (each time it starts listening, and on a notification it does not know): for what this
   * process holds outside the caches, such as telling other processes.
   */
  readonly onChange?: (tag: string | undefined) => void;
}

/**
 * Keeps in-process read caches true to PostgreSQL (ADR 0005). Triggers notify the tag of whatever
 * changed on every writer: this process, another replica, the operator CLI, SQL by hand; LISTEN
 * delivers each commit's notifications to every listening replica within milliseconds, and each
 * cache evicts that tag.
 *
 * While the listening connection is down the caches trust nothing (notifications sent meanwhile
 * are lost). A connection can also die without a word (a NAT forgetting it, a pooler that drops
 * LISTEN): a heartbeat sent to itself every few seconds catches that too. And a write of this
 * process waits, after its commit, until its own notifications have been heard (`caughtUp`), so
 * the process that made a change never answers from before it.
 */
export class ChangeListener {
  private readonly log;
  private readonly awaited = new Map<string, () => void>();
  private client?: Client;
  private retry?: NodeJS.Timeout;
  private heartbeat?: NodeJS.Timeout;
  private stopped = false;
  /** The round trip `caughtUp` callers arriving now will share (sent once the current one is back). */
  private nextCatchUp?: Promise<void>;
  private catchingUp?: Promise<void>;

  constructor(private readonly options: ChangeListenerOptions) {
    this.log = logger(options.name);
  }

  async start(): Promise<void> {
    await this.listen();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    clearInterval(this.heartbeat);
    for (const cache of this.options.caches) cache.stopTrusting();
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async listen(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({
      connectionString: this.options.databaseUrl,
      application_name: this.options.name,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    client.on('notification', this.onNotification);
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN "${this.options.channel}"`);
    } catch (err) {
      this.lost(client, err);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    for (const cache of this.options.caches) cache.startTrusting();
    // Whatever changed while nobody listened (at boot, or since the connection was lost) is unknown.
    this.options.onChange?.(undefined);
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
   * earlier ones. Called after each write transaction of this process commits. Callers that
   * arrive while a round trip is under way share the next one (sent when it is back, so after
   * their commits): under load, at most two are in flight however many transactions commit.
   */
  caughtUp(): Promise<void> {
    if (!this.client) return Promise.resolve();
    if (!this.catchingUp) return (this.catchingUp = this.catchUpOnce());
    return (this.nextCatchUp ??= this.catchingUp.then(() => {
      this.nextCatchUp = undefined;
      return (this.catchingUp = this.catchUpOnce());
    }));
  }

  private async catchUpOnce(): Promise<void> {
    const client = this.client;
    try {
      if (client && !(await this.roundTrip(client, HEARTBEAT_TIMEOUT_MS))) {
        this.lost(client, new Error('own notification not heard back'));
      }
    } finally {
      if (!this.nextCatchUp) this.catchingUp = undefined;
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
      client.query('SELECT pg_notify($1, $2)', [this.options.channel, `p:${nonce}`]).catch(() => {
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
    for (const cache of this.options.caches) cache.stopTrusting();
    // Nobody waits on a connection that is gone; the caches hold nothing now anyway.
    for (const heard of [...this.awaited.values()]) heard();
    if (this.stopped || this.retry) return;
    this.log.warn({ err }, 'changes no longer heard; read caches off until listening again');
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.listen();
    }, RECONNECT_MS);
  }

  private readonly onNotification = (message: Notification): void => {
    if (message.channel !== this.options.channel) return;
    const payload = message.payload ?? '';
    // Heartbeats: ours prove the connection alive; other replicas' mean nothing here.
    if (payload.startsWith('p:')) {
      this.awaited.get(payload.slice(2))?.();
      return;
    }
    if (this.options.tags.test(payload)) {
      for (const cache of this.options.caches) cache.evict(payload);
      this.options.onChange?.(payload);
      return;
    }
    // A notification this code does not know: forget everything rather than guess.
    for (const cache of this.options.caches) cache.clear();
    this.options.onChange?.(undefined);
  };
}

/** A statement that changes rows (a read with `FOR UPDATE` only locks them). */
const WRITES = /\b(INSERT\s+INTO|UPDATE\s+\S+\s+SET|DELETE\s+FROM)\b/i;

/**
 * Read-your-writes for in-process caches: every transaction a DataSource commits, and every write
 * made outside one, waits until the notifications its triggers sent have been heard and applied,
 * so the answer to a change, and any read after it, never comes from a cache entry from before.
 * Other replicas hear the same notifications a moment later. Pushed onto the DataSource's
 * subscribers.
 */
export class ReadYourWrites implements EntitySubscriberInterface {
  constructor(private readonly changes: ChangeListener) {}

  afterTransactionCommit(): Promise<void> {
    return this.changes.caughtUp();
  }

  afterQuery(event: AfterQueryEvent): Promise<void> | void {
    // Inside a transaction the commit waits; a failed statement changed nothing.
    if (!event.success || event.queryRunner?.isTransactionActive || !WRITES.test(event.query)) return;
    return this.changes.caughtUp();
  }
}
