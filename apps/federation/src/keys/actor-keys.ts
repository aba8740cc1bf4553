import { Inject, Injectable } from '@nestjs/common';
import { CONFIG, type Config } from '@mammut/platform';
import { createCipheriv, createDecipheriv, generateKeyPair, hkdfSync, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import type { DataSource } from 'typeorm';
import { FEDERATION_DB } from '../database/federation-database';

const generateRsa = promisify(generateKeyPair);

/** A local actor's key pair: the public half goes into its actor document, the private signs. */
export interface ActorKeys {
  readonly publicKeyPem: string;
  readonly privateKeyPem: string;
}

/**
 * The RSA-2048 key pair of each local actor, made the first time the actor needs one and kept for
 * good (Mastodon does not rotate either; a new key would make every peer refetch). Private keys are
 * stored encrypted (AES-256-GCM under a key derived from SECRET_KEY_BASE): a copy of the database
 * alone cannot sign as our users.
 */
@Injectable()
export class ActorKeysStore {
  private readonly secret: Buffer;

  constructor(
    @Inject(FEDERATION_DB) private readonly db: DataSource,
    @Inject(CONFIG) config: Config,
  ) {
    this.secret = Buffer.from(hkdfSync('sha256', config.secretKeyBase, '', 'mammut actor keys', 32));
  }

  /** The account's key pair, made now if it has none (signing needs the private half). */
  async keysOf(accountId: string): Promise<ActorKeys> {
    const { publicKeyPem, sealed } = await this.stored(accountId);
    return { publicKeyPem, privateKeyPem: this.open(sealed) };
  }

  /** The public half alone, as actor documents show it: nothing is unsealed to serve one. */
  async publicKeyOf(accountId: string): Promise<string> {
    return (await this.stored(accountId)).publicKeyPem;
  }

  /** The stored pair, made now if there is none; two callers at once agree on one. */
  private async stored(accountId: string): Promise<{ publicKeyPem: string; sealed: string }> {
    const held = await this.read(accountId);
    if (held) return held;
    const { publicKey, privateKey } = await generateRsa('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    await this.db.query(
      `INSERT INTO federation.actor_keys (account_id, public_key_pem, private_key) VALUES ($1, $2, $3)
       ON CONFLICT (account_id) DO NOTHING`,
      [accountId, publicKey, this.seal(privateKey)],
    );
    // Whoever inserted first won: read what is stored, not what was made here.
    const stored = await this.read(accountId);
    if (!stored) throw new Error(`no key pair stored for account ${accountId}`);
    return stored;
  }

  private async read(accountId: string): Promise<{ publicKeyPem: string; sealed: string } | undefined> {
    const [row]: { public_key_pem: string; private_key: string }[] = await this.db.query(
      `SELECT public_key_pem, private_key FROM federation.actor_keys WHERE account_id = $1`,
      [accountId],
    );
    return row && { publicKeyPem: row.public_key_pem, sealed: row.private_key };
  }

  private seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.secret, iv);
    const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', iv, cipher.getAuthTag(), sealed]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64')))
      .join(':');
  }

  private open(stored: string): string {
    const [version, iv, tag, sealed] = stored.split(':');
    if (version !== 'v1') throw new Error('unknown private key format');
    const decipher = createDecipheriv('aes-256-gcm', this.secret, Buffer.from(iv, 'base64'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(sealed, 'base64')), decipher.final()]).toString('utf8');
  }
}
