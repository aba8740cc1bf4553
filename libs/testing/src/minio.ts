import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutBucketPolicyCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, openSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports';

/**
 * One MinIO server for a whole jest run, started by whichever worker first needs it: the worker
 * that creates the lock directory starts it and writes `server.json`; the others wait for that
 * file and a healthy server. It outlives the worker (detached) and the global teardown stops it.
 */
const DIR = resolve(__dirname, '../../../.data/test/minio');
const LOCK = join(DIR, 'lock');
const STATE = join(DIR, 'server.json');
const MINIO_SCRIPT = resolve(__dirname, '../../../scripts/tools/minio.mjs');

export interface MinioServer {
  /** `http://127.0.0.1:PORT`: the S3 API. */
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly pid: number;
}

const healthy = async (endpoint: string): Promise<boolean> => {
  try {
    const response = await fetch(`${endpoint}/minio/health/live`, { signal: AbortSignal.timeout(2000) });
    return response.ok;
  } catch {
    return false;
  }
};

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const pause = (ms: number): Promise<void> => new Promise((resume) => setTimeout(resume, ms));

async function until(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`MinIO: gave up waiting for ${what}`);
    await pause(100);
  }
}

/** Starts the server (this process holds the lock): the binary, a free port, fresh credentials. */
async function startServer(): Promise<MinioServer> {
  const { stdout } = await promisify(execFile)(process.execPath, [MINIO_SCRIPT], {
    maxBuffer: 1024 * 1024,
    timeout: 30 * 60_000,
  }).catch((error: { stderr?: string; message: string }) => {
    throw new Error(`MinIO cannot start: ${(error.stderr ?? error.message).trim()}`);
  });
  const binary = stdout.trim();
  const [port, consolePort] = [await freePort(), await freePort()];
  const accessKeyId = `mammut${randomBytes(6).toString('hex')}`;
  const secretAccessKey = randomBytes(24).toString('hex');
  const log = openSync(join(DIR, 'minio.log'), 'a');
  const child = spawn(
    binary,
    [
      'server',
      join(DIR, 'data'),
      '--address',
      `127.0.0.1:${port}`,
      '--console-address',
      `127.0.0.1:${consolePort}`,
      '--quiet',
    ],
    {
      detached: true,
      stdio: ['ignore', log, log],
      env: {
        PATH: process.env.PATH,
        HOME: DIR,
        MINIO_ROOT_USER: accessKeyId,
        MINIO_ROOT_PASSWORD: secretAccessKey,
        MINIO_BROWSER: 'off',
        MINIO_UPDATE: 'off',
        MINIO_CI_CD: '1',
      },
    },
  );
  child.unref();
  const server = { endpoint: `http://127.0.0.1:${port}`, accessKeyId, secretAccessKey, pid: child.pid! };
  await until('the server to answer its health check', 60_000, async () => {
    if (child.exitCode !== null || !alive(server.pid)) {
      throw new Error(`MinIO exited at start (see ${join(DIR, 'minio.log')})`);
    }
    return healthy(server.endpoint);
  });
  await writeFile(`${STATE}.part`, JSON.stringify(server));
  await rename(`${STATE}.part`, STATE);
  return server;
}

async function findOrStartServer(): Promise<MinioServer> {
  await mkdir(DIR, { recursive: true });
  for (;;) {
    const owner = await mkdir(LOCK).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'EEXIST') return false;
        throw error;
      },
    );
    if (owner) {
      await writeFile(join(LOCK, 'pid'), String(process.pid));
      return startServer();
    }
    // Another worker starts it: wait for its file (it may be building MinIO first), unless it died.
    for (;;) {
      if (existsSync(STATE)) {
        const server = JSON.parse(await readFile(STATE, 'utf8')) as MinioServer;
        await until('the shared server to be healthy', 30_000, () => healthy(server.endpoint));
        return server;
      }
      const starter = Number(await readFile(join(LOCK, 'pid'), 'utf8').catch(() => '0'));
      if (starter && !alive(starter)) {
        await rm(LOCK, { recursive: true, force: true });
        break;
      }
      await pause(200);
    }
  }
}

let server: Promise<MinioServer> | undefined;

/** The run's MinIO, started on first use; rejects (failing the test) when it cannot start. */
export function minioServer(): Promise<MinioServer> {
  server ??= findOrStartServer();
  return server;
}

/** A client with the server's root credentials, for what the tests set up and check behind Mammut. */
export function adminClient(minio: MinioServer): S3Client {
  return new S3Client({
    region: 'us-east-1',
    endpoint: minio.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: minio.accessKeyId, secretAccessKey: minio.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/**
 * Stops the run's MinIO, if one was started (the global teardown, and the setup for one a crashed
 * run left behind). The pid is only signalled when it still is that MinIO, never a process that
 * took the number since.
 */
export function stopMinio(): void {
  let state: MinioServer;
  try {
    state = JSON.parse(readFileSync(STATE, 'utf8')) as MinioServer;
  } catch {
    return;
  }
  let command = '';
  try {
    command = readFileSync(`/proc/${state.pid}/cmdline`, 'utf8');
  } catch {
    return;
  }
  if (command.includes('minio') && command.includes(DIR)) {
    try {
      process.kill(state.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

export interface MinioBucket {
  readonly server: MinioServer;
  readonly bucket: string;
  /** Root credentials: set up and look behind Mammut's back. */
  readonly client: S3Client;
  /** The S3_* configuration of a test system storing its media in this bucket. */
  env(extra?: Record<string, string>): Record<string, string>;
  /** Every key in the bucket, and every multipart upload still open (an aborted one is gone). */
  contents(): Promise<{ keys: string[]; uploads: string[] }>;
}

/**
 * A bucket of its own on the run's MinIO for the enclosing describe block, created in beforeAll
 * (failing the block's tests when MinIO cannot start) and emptied and removed in afterAll. With
 * `publicRead`, anyone may GET processed media (`media_attachments/*`, never `tmp/`), as Mastodon's
 * object-storage guide has the bucket policy; without, only signed requests read anything.
 */
export function useMinio(options: { publicRead?: boolean } = {}): MinioBucket {
  let state: { server: MinioServer; client: S3Client; bucket: string } | undefined;
  const current = (): NonNullable<typeof state> => {
    if (!state) throw new Error('the MinIO bucket is created in beforeAll');
    return state;
  };
  beforeAll(async () => {
    const server = await minioServer();
    const client = adminClient(server);
    const bucket = `mammut-${randomBytes(6).toString('hex')}`;
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    if (options.publicRead) {
      const policy = {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: ['*'] },
            Action: ['s3:GetObject'],
            Resource: [`arn:aws:s3:::${bucket}/media_attachments/*`],
          },
        ],
      };
      await client.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }));
    }
    state = { server, client, bucket };
  }, 30 * 60_000);
  afterAll(async () => {
    if (!state) return;
    const { client, bucket } = state;
    const { keys } = await contents();
    if (keys.length) {
      await client.send(
        new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.map((Key) => ({ Key })) } }),
      );
    }
    await client.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => undefined);
    client.destroy();
  });
  const contents = async (): Promise<{ keys: string[]; uploads: string[] }> => {
    const { client, bucket } = current();
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
      keys.push(...(page.Contents ?? []).map((object) => object.Key!));
      token = page.NextContinuationToken;
    } while (token);
    const open = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    return { keys: keys.sort(), uploads: (open.Uploads ?? []).map((upload) => upload.Key!) };
  };
  return {
    get server() {
      return current().server;
    },
    get bucket() {
      return current().bucket;
    },
    get client() {
      return current().client;
    },
    env(extra = {}) {
      const { server, bucket } = current();
      return {
        S3_ENABLED: 'true',
        S3_BUCKET: bucket,
        S3_ENDPOINT: server.endpoint,
        AWS_ACCESS_KEY_ID: server.accessKeyId,
        AWS_SECRET_ACCESS_KEY: server.secretAccessKey,
        ...extra,
      };
    },
    contents,
  };
}
