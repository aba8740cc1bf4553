import type { Provider } from '@nestjs/common';
import { CONFIG, type Config } from '@mammut/platform';
import { createHash } from 'node:crypto';

export const VAPID_KEY = Symbol('VAPID_KEY');

/**
 * Until Web Push exists, Application.vapid_key is a stable stand-in shaped like an uncompressed
 * P-256 public key (0x04 + 64 bytes, base64url): clients only read it, and it must not change
 * between requests. Replace with the real key pair when push lands.
 */
export function placeholderVapidKey(config: Config): string {
  const body = createHash('sha512').update(`vapid:${config.secretKeyBase}`).digest();
  return Buffer.concat([Buffer.from([4]), body]).toString('base64url');
}

export const vapidKeyProvider: Provider = {
  provide: VAPID_KEY,
  inject: [CONFIG],
  useFactory: (config: Config): string => placeholderVapidKey(config),
};
