import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { InfraError } from './infra-error';
import {
  type InfraState,
  liveUsers,
  newUser,
  readState,
  type ServerKind,
  type ServerRecord,
  type UserRecord,
  withStateLock,
  writeState,
} from './infra-state';
import { placePostgresData, removePostgresData } from './postgres-data-dir';
import { launchPostgres, postgresReady, postgresUrl, unrecordedPostmaster } from './postgres-server';
import { ensureServerBinaries, logFile, nats, reachable, redis, type Server } from './servers';
import { isRunning, listensOn, type ProcessRef, stopServer, waitUntilReady } from './server-process';

export { InfraError } from './infra-error';
export { ensureServerBinaries, reachable } from './servers';

/**
 * Brings up PostgreSQL, Redis and NATS (JetStream) for one machine: the ones named by
 * DATABASE_URL / REDIS_URL / NATS_URL when they answer, else local servers on 127.0.0.1 with
 * their data under `dataDir`. Used by `npm start`, the CLI and the test run alike.
 *
 * Local servers are shared, not owned: whoever calls this finds the ones already running for
 * `dataDir` (another `npm start`, the CLI, or a start killed with -9 that left them behind) and
 * uses them; they stop when the last live process using them calls `stop()`. Reusing what a crash
 * left is the choice because those servers are healthy (only their starter died), and stopping
 * them could pull them from under a live process that shares them.
 *
 * This module uses Node's own modules and `pg` only, so it runs without the rest of the tree.
 */
export interface InfraOptions {
  readonly dataDir: string;
  /** URLs the operator configured; used when reachable. */
  readonly databaseUrl?: string;
  readonly redisUrl?: string;
  readonly natsUrl?: string;
  /** Throw away old data first (tests); refused while another live process uses the servers. */
  readonly fresh?: boolean;
  /** Trade durability for speed (tests): no fsync in PostgreSQL, no Redis persistence. */
  readonly ephemeral?: boolean;
  /** Take any free ports instead of trying the standard ones first (several runs side by side). */
  readonly anyPorts?: boolean;
  readonly log?: (line: string) => void;
}

export interface Infra {
  readonly databaseUrl: string;
  readonly redisUrl: string;
  readonly natsUrl: string;
  /** PostgreSQL's data directory, when the database is a local server. */
  readonly postgresDataDir?: string;
  /** The local servers in use (started or found running), by kind: what a bench pins to a core. */
  readonly serverPids: Partial<Record<ServerKind, number>>;
  /**
   * Stops using the local servers: stops them (NATS, Redis, then PostgreSQL) unless another live
   * process still uses them. Never touches servers named by configured URLs.
   */
  stop(): Promise<void>;
}

export async function ensureInfra(options: InfraOptions): Promise<Infra> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const me = newUser();
  const up = await withStateLock(dataDir, () => bringUp(dataDir, options, me, log));
  let left = false;
  return {
    ...up,
    async stop() {
      if (left) return;
      left = true;
      await withStateLock(dataDir, () => leave(dataDir, me, log));
    },
  };
}

/** Removes a data directory and PostgreSQL's data wherever it lives (tests, after `stop()`). */
export function removeInfraData(dataDir: string): void {
  const dir = resolve(dataDir);
  removePostgresData(dir);
  rmSync(dir, { recursive: true, force: true });
}

type Urls = Omit<Infra, 'stop'>;

const NAMES: Record<ServerKind, string> = { postgres: 'PostgreSQL', redis: 'Redis', nats: 'NATS' };
const DEFAULT_PORTS: Record<ServerKind, number> = { postgres: 5432, redis: 6379, nats: 4222 };
/** The order servers start in; they stop in the reverse one. */
const START_ORDER: readonly ServerKind[] = ['postgres', 'redis', 'nats'];

async function bringUp(
  dataDir: string,
  options: InfraOptions,
  me: UserRecord,
  log: (line: string) => void,
): Promise<Urls> {
  let state = readState(dataDir);
  const others = liveUsers(state);
  if (options.fresh) {
    if (others.length) throw inUse(dataDir, others);
    await stopAll(state);
    for (const entry of readdirSync(dataDir)) if (entry !== 'servers.lock') removeEntry(dataDir, entry);
    state = { servers: {}, users: [] };
  }
  state.users = others;
  const ports = options.anyPorts ? {} : loadPorts(dataDir);
  const configured: Record<ServerKind, string | undefined> = {
    postgres: options.databaseUrl,
    redis: options.redisUrl,
    nats: options.natsUrl,
  };
  const urls: Partial<Record<ServerKind, string>> = {};
  let postgresDataDir: string | undefined;
  try {
    for (const kind of START_ORDER) {
      const url = configured[kind];
      if (url && (await reachable(url))) {
        urls[kind] = url;
        continue;
      }
      let server: Server;
      if (kind === 'postgres') {
        const place = placePostgresData(dataDir, log);
        postgresDataDir = place.pgData;
        server = {
          url: (port) => postgresUrl(port),
          ready: postgresReady,
          unrecorded: () => unrecordedPostmaster(place.pgData),
          launch: (port) =>
            launchPostgres(place, port, options.ephemeral ?? false, logFile(dataDir, kind), log),
        };
      } else {
        server = kind === 'redis' ? redis(dataDir, options.ephemeral ?? false) : nats(dataDir);
      }
      const port = await runServer(kind, server, state, dataDir, ports[kind], log);
      ports[kind] = port;
      urls[kind] = server.url(port);
    }
  } catch (error) {
    if (!state.users.length) await stopAll(state);
    writeState(dataDir, state);
    throw error;
  }
  state.users.push(me);
  writeState(dataDir, state);
  savePorts(dataDir, ports);
  return {
    databaseUrl: urls.postgres as string,
    redisUrl: urls.redis as string,
    natsUrl: urls.nats as string,
    postgresDataDir,
    serverPids: Object.fromEntries(
      START_ORDER.flatMap((kind) => {
        const record = urls[kind] === configured[kind] ? undefined : state.servers[kind];
        return record ? [[kind, record.pid]] : [];
      }),
    ),
  };
}

/** Uses the recorded server when it runs and answers; else starts one. Answers its port. */
async function runServer(
  kind: ServerKind,
  server: Server,
  state: InfraState,
  dataDir: string,
  preferredPort: number | undefined,
  log: (line: string) => void,
): Promise<number> {
  const found = [state.servers[kind], server.unrecorded?.()].find(
    (record): record is ServerRecord => record !== undefined && isRunning(record),
  );
  // Ready means this very process listens on the port and the port answers.
  const ready = (ref: ProcessRef, port: number) => async (): Promise<boolean> =>
    listensOn(ref.pid, port) && (await server.ready(port));
  if (found) {
    const answered = await waitUntilReady(NAMES[kind], found, ready(found, found.port), noOutput).then(
      () => true,
      () => false,
    );
    if (answered) {
      if (!state.users.length)
        log(`${NAMES[kind]}: using the server (pid ${found.pid}) an earlier start left running`);
      state.servers[kind] = found;
      return found.port;
    }
    // Running yet not answering (stuck, or shutting down): replace it.
    await stopServer(found);
  }
  if (kind !== 'postgres') ensureServerBinaries(log);
  let port = await freePort(preferredPort ?? DEFAULT_PORTS[kind]);
  for (let attempt = 1; ; attempt++) {
    log(`${NAMES[kind]}: starting on port ${port} …`);
    const launched = server.launch(port);
    // Recorded before it is ready, so a start killed right now still leaves it findable.
    state.servers[kind] = { ...launched.ref, port };
    writeState(dataDir, state);
    try {
      await waitUntilReady(NAMES[kind], launched.ref, ready(launched.ref, port), launched.output);
      return port;
    } catch (error) {
      // Another process took the port between our check and the server's bind (several
      // checkouts starting at once): try elsewhere.
      const elsewhere = await freePort(port);
      if (attempt === 3 || isRunning(launched.ref) || elsewhere === port) throw error;
      port = elsewhere;
    }
  }
}

const noOutput = (): string => '';

/** Takes `me` off the users; the last live user stops the servers. */
async function leave(dataDir: string, me: UserRecord, log: (line: string) => void): Promise<void> {
  const state = readState(dataDir);
  state.users = liveUsers(state).filter((user) => user.id !== me.id);
  if (!state.users.length) await stopAll(state, log);
  writeState(dataDir, state);
}

async function stopAll(state: InfraState, log?: (line: string) => void): Promise<void> {
  for (const kind of [...START_ORDER].reverse()) {
    const record = state.servers[kind];
    if (!record) continue;
    if (isRunning(record)) log?.(`stopping ${NAMES[kind]} …`);
    await stopServer(record);
    delete state.servers[kind];
  }
}

function inUse(dataDir: string, users: readonly UserRecord[]): InfraError {
  const pids = [...new Set(users.map((user) => user.pid))].join(', ');
  return new InfraError(`${dataDir} is in use by pid ${pids}: stop it before starting afresh`);
}

function removeEntry(dataDir: string, entry: string): void {
  if (entry === 'postgres') removePostgresData(dataDir);
  else rmSync(join(dataDir, entry), { recursive: true, force: true });
}

type Ports = Partial<Record<ServerKind, number>>;

function loadPorts(dataDir: string): Ports {
  const file = join(dataDir, 'ports.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Ports) : {};
}

function savePorts(dataDir: string, ports: Ports): void {
  writeFileSync(join(dataDir, 'ports.json'), `${JSON.stringify(ports, null, 2)}\n`);
}

async function freePort(preferred: number): Promise<number> {
  const tryPort = (port: number): Promise<number | undefined> =>
    new Promise((done) => {
      const server = createServer();
      server.once('error', () => done(undefined));
      server.listen(port, '127.0.0.1', () => {
        const address = server.address();
        const chosen = typeof address === 'object' && address ? address.port : undefined;
        server.close(() => done(chosen));
      });
    });
  const port = (await tryPort(preferred)) ?? (await tryPort(0));
  if (!port) throw new InfraError('No free TCP port on 127.0.0.1');
  return port;
}
