import { Inject, Injectable } from '@nestjs/common';
import { CONFIG, type Config } from '@mammut/platform';
import argon2 from 'argon2';

/** Longest password we hash: bounds the work an attacker can ask for. */
export const MAX_PASSWORD_BYTES = 1024;

/** argon2id at OWASP's minimum (19 MiB, t=2, p=1); tests may lower the memory. */
@Injectable()
export class PasswordHasher {
  constructor(@Inject(CONFIG) private readonly config: Config) {}

  hash(password: string): Promise<string> {
    return argon2.hash(password, {
      type: argon2.argon2id,
      memoryCost: this.config.passwordHashMemoryKib,
      timeCost: 2,
      parallelism: 1,
    });
  }

  async verify(hash: string, password: string): Promise<boolean> {
    if (Buffer.byteLength(password) > MAX_PASSWORD_BYTES || !hash.startsWith('$argon2')) return false;
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false;
    }
  }
}
