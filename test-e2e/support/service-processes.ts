import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { TestInfra } from '@mammut/testing';
import { pollUntil } from './poll';

const root = join(__dirname, '..', '..');

/** A service's entry point as its own Node process, as one Kubernetes Deployment would run it. */
export function startProcess(entry: string, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['-r', join(__dirname, 'swc-register.js'), join(root, entry)], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** Resolves once `url` answers 2xx; throws after `ms`. */
export async function until(url: string, ms: number): Promise<void> {
  const answered = () =>
    fetch(url).then(
      (response) => response.ok,
      () => false,
    );
  if (!(await pollUntil(answered, (ok) => ok, ms, 200))) throw new Error(`${url} never answered`);
}

/**
 * The environment every process of one split system shares: its database, the shared Redis and
 * NATS under a prefix of its own, the gateway's public port as its domain, quiet logs and a cheap
 * password hash.
 */
export function splitSystemEnv(options: {
  readonly infra: TestInfra;
  readonly databaseUrl: string;
  readonly port: number;
  readonly prefix: string;
}): Record<string, string> {
  const { infra, databaseUrl, port, prefix } = options;
  return {
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    REDIS_URL: infra.redisUrl,
    NATS_URL: infra.natsUrl,
    NATS_PREFIX: prefix,
    REDIS_PREFIX: `${prefix}:`,
    LOCAL_DOMAIN: `127.0.0.1:${port}`,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'error',
    PASSWORD_HASH_MEMORY_KIB: '4096',
  };
}
