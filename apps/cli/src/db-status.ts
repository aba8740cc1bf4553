import type { Config } from '@mammut/platform';
import { schemaStatus, type SchemaStatus } from '../../all-in-one/src/system';

export interface DbStatusOptions {
  /** Ask again until every schema is up to date or `timeoutMs` has passed. */
  readonly wait: boolean;
  readonly timeoutMs: number;
  /** How long to sleep between two looks while waiting. */
  readonly pollMs?: number;
}

/** What one look found: each schema's pending migrations, or why PostgreSQL could not be asked. */
type Look = { readonly schemas: readonly SchemaStatus[] } | { readonly unreachable: string };

const DEFAULT_POLL_MS = 2_000;

/**
 * `mammut db status [--wait]`: prints each service schema's pending migrations and answers whether
 * every one is up to date enough to start on: post-deployment migrations (applied after a rollout)
 * may still be pending. With `wait`, keeps asking (while PostgreSQL is unreachable too) until
 * they are or the time is up, printing a line only when what it waits for changes: the init
 * container of every Deployment runs this, so a pod waits for the migration Job instead of
 * crash-looping on a schema that is behind.
 */
export async function dbStatus(
  config: Config,
  options: DbStatusOptions,
  say: (line: string) => void,
): Promise<boolean> {
  const deadline = Date.now() + options.timeoutMs;
  let look = await lookAt(config);
  if (options.wait) {
    let told = '';
    while (!upToDate(look) && Date.now() < deadline) {
      const waitingFor = describeWait(look);
      if (waitingFor !== told) say(`waiting: ${waitingFor}`);
      told = waitingFor;
      await sleep(Math.min(options.pollMs ?? DEFAULT_POLL_MS, Math.max(0, deadline - Date.now())));
      look = await lookAt(config);
    }
  }
  if ('unreachable' in look) {
    say(`PostgreSQL could not be asked: ${look.unreachable}`);
  } else {
    const width = Math.max(...look.schemas.map((s) => s.service.length));
    for (const { service, pending } of look.schemas) {
      const names = pending.map((m) => (m.postDeployment ? `${m.name} (post-deployment)` : m.name));
      say(
        `${service.padEnd(width)}  ${pending.length ? `${pending.length} pending: ${names.join(', ')}` : 'up to date'}`,
      );
    }
  }
  const ready = upToDate(look);
  if (ready) say('OK: every schema is up to date');
  else if (options.wait) say(`gave up after ${Math.round(options.timeoutMs / 1000)} s`);
  return ready;
}

async function lookAt(config: Config): Promise<Look> {
  try {
    return { schemas: await schemaStatus(config) };
  } catch (error) {
    return { unreachable: error instanceof Error ? error.message : String(error) };
  }
}

/** What a service refuses to start on: a pending migration that is not post-deployment. */
const behindOf = (schema: SchemaStatus): number => schema.pending.filter((m) => !m.postDeployment).length;

const upToDate = (look: Look): boolean =>
  'schemas' in look && look.schemas.every((schema) => !behindOf(schema));

function describeWait(look: Look): string {
  if ('unreachable' in look) return `PostgreSQL could not be asked (${look.unreachable})`;
  const behind = look.schemas.filter((schema) => behindOf(schema) > 0);
  return `${behind.map((schema) => `${schema.service} (${behindOf(schema)})`).join(', ')} behind`;
}

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));
