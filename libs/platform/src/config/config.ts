import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { z } from 'zod';

const list = (text: string): string[] =>
  text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

/** `10.0.0.1`, `::1`, `10.0.0.0/8`, `fd00::/8`: what Fastify's `trustProxy` (proxy-addr) takes. */
function isAddressOrRange(item: string): boolean {
  const [address, bits, ...rest] = item.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length) return false;
  if (bits === undefined) return true;
  const prefix = Number(bits);
  return /^\d{1,3}$/.test(bits) && prefix <= (family === 4 ? 32 : 128);
}

/**
 * Who may name the client in X-Forwarded-For when the operator did not say: loopback. A loopback
 * peer is a process on this host, which the throttle safelist trusts already, so believing it takes
 * nothing away, and a reverse proxy on the same host (the usual nginx) then names the real client
 * instead of making every request look like safelisted loopback. Private networks are not trusted:
 * a client on one could pick its own address.
 */
const DEFAULT_TRUSTED_PROXIES = ['127.0.0.0/8', '::1'];

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

/** Where media go when MEDIA_ROOT is unset: relative to the working directory, as `.data/local` is. */
const DEFAULT_MEDIA_ROOT = '.data/media';

/** The canned ACLs S3_PERMISSION may name (never one that lets anyone write). */
const S3_CANNED_ACLS = [
  'private',
  'public-read',
  'authenticated-read',
  'aws-exec-read',
  'bucket-owner-read',
  'bucket-owner-full-control',
] as const;

/** Signs sessions and derives keys; known to everyone, so only for instances nobody else reaches. */
const DEVELOPMENT_SECRET_KEY_BASE = 'development-secret-change-me-please';

/** A public instance's secret: what `openssl rand -hex 64` (or Mastodon's `rails secret`) gives is far longer. */
const PUBLIC_SECRET_MIN_LENGTH = 32;

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  /** The domain in `acct` handles and ActivityPub ids. */
  LOCAL_DOMAIN: z.string().min(1).default('localhost:3000'),
  /** Scheme of public URLs; `http` only for development and tests. */
  LOCAL_HTTPS: bool.default(false),
  DATABASE_URL: z.string().url().default('postgres://mammut@127.0.0.1:5432/mammut'),
  /** Prepare parameterised statements once per connection (off behind a pooler that cannot keep them). */
  DATABASE_PREPARED_STATEMENTS: bool.default(true),
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  NATS_URL: z.string().default('nats://127.0.0.1:4222'),
  /** Prefix of every NATS subject and JetStream stream, so several instances share one NATS (tests). */
  NATS_PREFIX: z
    .string()
    .regex(/^[a-z0-9_]*$/)
    .default(''),
  REDIS_PREFIX: z.string().default(''),
  /** Answer requests to handlers in this process without a NATS round trip. */
  BUS_IN_PROCESS: bool.default(true),
  BUS_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  SECRET_KEY_BASE: z.string().min(16).default(DEVELOPMENT_SECRET_KEY_BASE),
  REGISTRATIONS_MODE: z.enum(['open', 'approved', 'closed']).default('open'),
  SITE_TITLE: z.string().default('Mammut'),
  SITE_DESCRIPTION: z.string().default('A Mammut server'),
  SITE_CONTACT_EMAIL: z.string().default(''),
  /** Where this server's source is published (AGPL): an operator running changes points it at theirs. */
  SOURCE_URL: z.string().url().default('https://github.com/mammut-social/mammut'),
  SMTP_URL: z.string().optional(),
  SMTP_FROM: z.string().default('Mammut <notifications@localhost>'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HEALTH_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  /**
   * `db migrate` leaves post-deployment (contracting) migrations pending: the pre-upgrade run,
   * while the previous release still serves. Mastodon's variable.
   */
  SKIP_POST_DEPLOYMENT_MIGRATIONS: bool.default(false),
  /** argon2 memory cost in KiB; tests lower it. */
  PASSWORD_HASH_MEMORY_KIB: z.coerce.number().int().min(1024).default(19_456),
  /** Request throttles as Mastodon's rack-attack has them (429 past the limit). */
  RATE_LIMITS: bool.default(true),
  /**
   * Client addresses never throttled, comma-separated, each matched exactly (Mastodon safelists
   * 127.0.0.1 and ::1, and only them).
   */
  RATE_LIMIT_SAFELIST: z
    .string()
    .default('127.0.0.1,::1')
    .refine((text) => list(text).every((item) => isIP(item) !== 0), 'must list IP addresses (no ranges)'),
  /**
   * Reverse proxies whose X-Forwarded-For is believed, comma-separated addresses or CIDRs. Unset:
   * loopback when the gateway listens on loopback only (a proxy on the same host is then the only
   * way in), nothing otherwise; empty: nothing.
   */
  TRUSTED_PROXY_IPS: z
    .string()
    .optional()
    .refine(
      (text) => text === undefined || list(text).every(isAddressOrRange),
      'must list IP addresses or CIDR ranges',
    ),
  /** Local followers a new status is delivered to inside the event consumer; more go out as batched jobs. */
  HOME_FAN_OUT_INLINE_FOLLOWERS: z.coerce.number().int().min(0).default(1000),
  /**
   * Followed accounts up to which a lost home feed is rebuilt while its reader waits; past it the
   * rebuild is a job and the reader gets what is there with 206, as Mastodon answers then.
   */
  HOME_REBUILD_INLINE_FOLLOWING: z.coerce.number().int().min(0).default(2000),
  /**
   * The shortest poll a status may carry, in seconds: Mastodon's 300. Only a test system may go
   * lower (NODE_ENV=test), so that a poll can close while a test waits for it.
   */
  POLL_MIN_EXPIRATION_SECONDS: z.coerce.number().int().min(1).default(300),
  /** How often the statuses service looks for polls that have closed and announces them. */
  POLL_SWEEP_MS: z.coerce.number().int().min(50).default(5000),
  /**
   * How far ahead a status must be scheduled, in seconds: Mastodon's 300. Only a test system may go
   * lower (NODE_ENV=test), so that a scheduled status can be published while a test waits for it.
   */
  SCHEDULED_STATUS_MIN_OFFSET_SECONDS: z.coerce.number().int().min(1).default(300),
  /** How often the statuses service looks for scheduled statuses that are due and publishes them. */
  SCHEDULED_STATUS_SWEEP_MS: z.coerce.number().int().min(50).default(5000),
  /**
   * `http` lets outbound federation requests (and, later, our own WebFinger lookups) use plain
   * http, for development and tests; refused in production.
   */
  FEDERATION_SCHEME: z.enum(['https', 'http']).default('https'),
  /**
   * Loopback or private addresses (comma-separated addresses or CIDRs) the outbound HTTP client may
   * still reach, e.g. `127.0.0.2` where a test peer listens. Narrow exceptions, never "any";
   * refused in production, where only global unicast addresses are dialled.
   */
  FEDERATION_ALLOW_PRIVATE_ADDRESSES: z
    .string()
    .default('')
    .refine((text) => list(text).every(isAddressOrRange), 'must list IP addresses or CIDR ranges'),
  /**
   * Mastodon's secure mode: GETs of actors, statuses and collections must carry a valid HTTP
   * signature from an actor on a domain that is not suspended (else 401, or 403 for a suspended
   * signer; an unsigned actor GET gets the bare actor with its key). The instance actor, WebFinger
   * and NodeInfo stay unsigned, so peers can fetch the key they verify us with.
   */
  AUTHORIZED_FETCH: bool.default(false),
  /**
   * How long a remote actor's stored key is trusted in memory for verifying its signatures before
   * the accounts service is asked again (0: asked for every signature). A rotated key is read
   * fresh whatever this says.
   */
  FEDERATION_KEY_CACHE_SECONDS: z.coerce.number().int().min(0).max(3600).default(60),
  /**
   * Who may read `/api/v1/instance/domain_blocks` (Mastodon's `show_domain_blocks`): `all`,
   * signed-in `users`, or nobody (`disabled`, Mastodon's default, answered 404).
   */
  SHOW_DOMAIN_BLOCKS: z.enum(['disabled', 'users', 'all']).default('disabled'),
  /** Who sees the blocks' public comments there (Mastodon's `show_domain_blocks_rationale`). */
  SHOW_DOMAIN_BLOCKS_RATIONALE: z.enum(['disabled', 'users', 'all']).default('disabled'),
  /**
   * The directory media files are stored under (uploads waiting for the media service, processed
   * attachments). The gateway and the media service must see the same one. Unset: `.data/media`
   * under the directory Mammut runs in, beside the local servers' `.data/local`.
   */
  MEDIA_ROOT: z.string().min(1).optional(),
  /**
   * How often each media replica removes uploads no status took within a day, remote attachments
   * whose status never came and avatars that never became current (Mastodon's MediaCleanupScheduler).
   */
  MEDIA_SWEEP_MS: z.coerce.number().int().min(1000).default(3_600_000),
  /**
   * Cached files of remote media are removed this many days after they were fetched, by the same
   * sweep (Mastodon's media cache retention period); 0 keeps them until `mammut media remove`.
   */
  MEDIA_CACHE_RETENTION_DAYS: z.coerce.number().int().min(0).max(36_500).default(0),
  /** Media in an S3-compatible bucket instead of MEDIA_ROOT (Mastodon's name and meaning). */
  S3_ENABLED: bool.default(false),
  S3_BUCKET: z.string().min(1).optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  /** The S3 API's URL (`https://s3.example.com`, `http://127.0.0.1:9000`); unset: AWS in S3_REGION. */
  S3_ENDPOINT: z.string().url().optional(),
  /**
   * Mastodon's switch, named backwards: with S3_ENDPOINT, requests and URLs are path-style
   * (`endpoint/bucket/key`) unless this is true, which makes them `bucket.endpoint/key`.
   */
  S3_OVERRIDE_PATH_STYLE: bool.default(false),
  /** Scheme of public file URLs; unset: S3_ENDPOINT's, else `https`. */
  S3_PROTOCOL: z.enum(['http', 'https']).optional(),
  /** Host of public file URLs (with the bucket in the path or the host name); unset: S3_ENDPOINT's. */
  S3_HOSTNAME: z.string().min(1).optional(),
  /** A CDN or proxy in front of the bucket: public URLs become `<S3_PROTOCOL>://<S3_ALIAS_HOST>/<key>`. */
  S3_ALIAS_HOST: z.string().min(1).optional(),
  AWS_ACCESS_KEY_ID: z.string().min(1).optional(),
  AWS_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  /**
   * The canned ACL processed files are written with; empty sends none (stores without ACLs, such
   * as R2). Unset: `public-read` with public reads, none with presigned ones.
   */
  S3_PERMISSION: z.enum(['', ...S3_CANNED_ACLS]).optional(),
  /**
   * A private bucket: file URLs are the instance's own `/system/<key>`, which answers with a
   * redirect to a presigned GET valid for S3_PRESIGNED_URL_SECONDS.
   */
  S3_PRESIGNED_URLS: bool.default(false),
  S3_PRESIGNED_URL_SECONDS: z.coerce.number().int().min(10).max(604_800).default(300),
  /** Where traces go: `none` starts no OpenTelemetry SDK at all (the API stays a no-op). */
  OTEL_TRACES_EXPORTER: z.enum(['none', 'otlp', 'console']).default('none'),
  /** OTLP over HTTP (protobuf); traces are posted to `<endpoint>/v1/traces`. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().default('http://127.0.0.1:4318'),
  /** Overrides the per-process default (`mammut-<process>`), e.g. to tell replicas' fleets apart. */
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
  /**
   * More attributes of this process for traces and metrics, as the OpenTelemetry specification
   * writes them: `key=value,key=value`, each key and value percent-encoded where it must be
   * (`k8s.pod.name=web-1,deployment.environment.name=production`).
   */
  OTEL_RESOURCE_ATTRIBUTES: z
    .string()
    .default('')
    .transform((text, ctx) => {
      const attributes = parseResourceAttributes(text);
      if (typeof attributes === 'string') ctx.addIssue({ code: 'custom', message: attributes });
      return typeof attributes === 'string' ? {} : attributes;
    }),
  /** The `ffmpeg` the media service runs (video, audio, animated GIFs); unset: found on PATH. */
  FFMPEG_PATH: z.string().min(1).default('ffmpeg'),
  /** The `ffprobe` that tells what a video or audio upload is; unset: found on PATH. */
  FFPROBE_PATH: z.string().min(1).default('ffprobe'),
  /** libheif's `heif-convert`, which turns HEIC photos into JPEG; unset: found on PATH. */
  HEIF_CONVERT_PATH: z.string().min(1).default('heif-convert'),
  /**
   * How long processing one upload may run its tools (ffmpeg, heif-convert) before they are killed
   * and the attachment is failed.
   */
  MEDIA_PROCESSING_TIMEOUT_MS: z.coerce.number().int().min(1).max(3_600_000).default(60_000),
  /** Threads one ffmpeg run may use (each processing job runs one at a time). */
  MEDIA_PROCESSING_THREADS: z.coerce.number().int().min(1).max(16).default(1),
  /**
   * An Elasticsearch-API server (Elasticsearch 7/8 or OpenSearch) for status search, e.g.
   * `http://127.0.0.1:9200`; unset, search runs on PostgreSQL full text. Credentials may sit in the
   * URL or in ES_USER and ES_PASS.
   */
  ELASTICSEARCH_URL: z.string().url().optional(),
  /** Prefix of every index name (Mastodon's ES_PREFIX), so several instances share one cluster. */
  ES_PREFIX: z
    .string()
    .regex(/^[a-z0-9_.-]*$/, 'must be lowercase letters, digits, `_`, `.` or `-`')
    .default(''),
  ES_USER: z.string().min(1).optional(),
  ES_PASS: z.string().optional(),
});

export type Config = Readonly<{
  nodeEnv: 'development' | 'production' | 'test';
  port: number;
  host: string;
  localDomain: string;
  /** `https://example.com` or `http://localhost:3000`: the public origin. */
  publicOrigin: string;
  databaseUrl: string;
  databasePreparedStatements: boolean;
  redisUrl: string;
  natsUrl: string;
  /** Which of the three URLs the operator set (the start script starts local servers for the others). */
  configured: { database: boolean; redis: boolean; nats: boolean };
  natsPrefix: string;
  redisPrefix: string;
  busInProcess: boolean;
  /**
   * Whether this process consumes events into its services' projections. Servers do; an operator
   * command hosting a service for one request does not (it would take a share of the stream).
   */
  consumeEvents: boolean;
  busTimeoutMs: number;
  secretKeyBase: string;
  registrationsMode: 'open' | 'approved' | 'closed';
  siteTitle: string;
  siteDescription: string;
  siteContactEmail: string;
  sourceUrl: string;
  smtpUrl: string | undefined;
  smtpFrom: string;
  logLevel: string;
  healthPort: number;
  skipPostDeploymentMigrations: boolean;
  passwordHashMemoryKib: number;
  rateLimits: boolean;
  rateLimitSafelist: readonly string[];
  trustedProxies: readonly string[];
  polls: Readonly<{ minExpirationSeconds: number; sweepMs: number }>;
  scheduledStatuses: Readonly<{ minOffsetSeconds: number; sweepMs: number }>;
  telemetry: TelemetryConfig;
  media: MediaConfig;
  feeds: FeedsConfig;
  federation: FederationConfig;
  mediaProcessing: MediaProcessingConfig;
  search: SearchConfig;
}>;

export type MediaProcessingConfig = Readonly<{
  ffmpegPath: string;
  ffprobePath: string;
  heifConvertPath: string;
  timeoutMs: number;
  threads: number;
}>;

export type SearchConfig = Readonly<{
  /** Status search on Elasticsearch/OpenSearch; null: on PostgreSQL. */
  elasticsearch: Readonly<{
    url: string;
    prefix: string;
    username: string | undefined;
    password: string | undefined;
  }> | null;
}>;

export type FederationConfig = Readonly<{
  scheme: 'https' | 'http';
  allowedPrivateAddresses: readonly string[];
  authorizedFetch: boolean;
  keyCacheMs: number;
  showDomainBlocks: DomainBlocksAudience;
  showDomainBlocksRationale: DomainBlocksAudience;
}>;

/** Who may see the instance's domain blocks, or their public comments. */
export type DomainBlocksAudience = 'disabled' | 'users' | 'all';

export type MediaConfig = Readonly<{
  /** Absolute directory of the local-disk media storage (unused when `s3` is set). */
  root: string;
  /** The bucket media are stored in instead, when S3_ENABLED. */
  s3: S3Config | undefined;
  sweepMs: number;
  /** 0: cached remote media stays until removed by hand. */
  cacheRetentionDays: number;
}>;

export type S3Config = Readonly<{
  bucket: string;
  region: string;
  /** The API's URL; undefined: AWS's own for the region. */
  endpoint: string | undefined;
  /** `endpoint/bucket/key` rather than `bucket.endpoint/key`, for requests and public URLs. */
  pathStyle: boolean;
  credentials: Readonly<{ accessKeyId: string; secretAccessKey: string }> | undefined;
  /** The canned ACL processed files are written with; undefined sends none. */
  acl: (typeof S3_CANNED_ACLS)[number] | undefined;
  /**
   * How readers get files: `public` URLs straight at the bucket (or the alias host), or the
   * instance's `/system/<key>` redirecting to a GET presigned for `presignedSeconds`.
   */
  reads: 'public' | 'presigned';
  presignedSeconds: number;
  /** `https://cdn.example.com/` or `https://s3.example.com/bucket/`: a public URL is this and the key. */
  publicBase: string;
}>;

export type FeedsConfig = Readonly<{
  fanOutInlineFollowers: number;
  rebuildInlineFollowing: number;
}>;

export type TelemetryConfig = Readonly<{
  tracesExporter: 'none' | 'otlp' | 'console';
  otlpEndpoint: string;
  serviceName: string | undefined;
  /** OTEL_RESOURCE_ATTRIBUTES, decoded. */
  resourceAttributes: Readonly<Record<string, string>>;
}>;

export class ConfigError extends Error {}

/** Reads and validates the environment once. Nothing else in Mammut reads `process.env`. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
      .join('; ');
    throw new ConfigError(`Invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  assertSecretFitsInstance(e);
  assertPublicDomainInProduction(e);
  assertFederationGuardsInProduction(e);
  if (e.POLL_MIN_EXPIRATION_SECONDS < 300 && e.NODE_ENV !== 'test') {
    throw new ConfigError(
      'Invalid configuration: POLL_MIN_EXPIRATION_SECONDS below 300 is only for test systems (NODE_ENV=test)',
    );
  }
  if (e.SCHEDULED_STATUS_MIN_OFFSET_SECONDS < 300 && e.NODE_ENV !== 'test') {
    throw new ConfigError(
      'Invalid configuration: SCHEDULED_STATUS_MIN_OFFSET_SECONDS below 300 is only for test systems (NODE_ENV=test)',
    );
  }
  return Object.freeze({
    nodeEnv: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    localDomain: e.LOCAL_DOMAIN,
    publicOrigin: `${e.LOCAL_HTTPS ? 'https' : 'http'}://${e.LOCAL_DOMAIN}`,
    databaseUrl: e.DATABASE_URL,
    databasePreparedStatements: e.DATABASE_PREPARED_STATEMENTS,
    redisUrl: e.REDIS_URL,
    natsUrl: e.NATS_URL,
    configured: { database: !!env.DATABASE_URL, redis: !!env.REDIS_URL, nats: !!env.NATS_URL },
    natsPrefix: e.NATS_PREFIX,
    redisPrefix: e.REDIS_PREFIX,
    busInProcess: e.BUS_IN_PROCESS,
    consumeEvents: true,
    busTimeoutMs: e.BUS_TIMEOUT_MS,
    secretKeyBase: e.SECRET_KEY_BASE,
    registrationsMode: e.REGISTRATIONS_MODE,
    siteTitle: e.SITE_TITLE,
    siteDescription: e.SITE_DESCRIPTION,
    siteContactEmail: e.SITE_CONTACT_EMAIL,
    sourceUrl: e.SOURCE_URL,
    smtpUrl: e.SMTP_URL,
    smtpFrom: e.SMTP_FROM,
    logLevel: e.LOG_LEVEL,
    healthPort: e.HEALTH_PORT,
    skipPostDeploymentMigrations: e.SKIP_POST_DEPLOYMENT_MIGRATIONS,
    passwordHashMemoryKib: e.PASSWORD_HASH_MEMORY_KIB,
    rateLimits: e.RATE_LIMITS,
    rateLimitSafelist: list(e.RATE_LIMIT_SAFELIST),
    trustedProxies: e.TRUSTED_PROXY_IPS === undefined ? DEFAULT_TRUSTED_PROXIES : list(e.TRUSTED_PROXY_IPS),
    polls: Object.freeze({ minExpirationSeconds: e.POLL_MIN_EXPIRATION_SECONDS, sweepMs: e.POLL_SWEEP_MS }),
    scheduledStatuses: Object.freeze({
      minOffsetSeconds: e.SCHEDULED_STATUS_MIN_OFFSET_SECONDS,
      sweepMs: e.SCHEDULED_STATUS_SWEEP_MS,
    }),
    telemetry: Object.freeze({
      tracesExporter: e.OTEL_TRACES_EXPORTER,
      otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, ''),
      serviceName: e.OTEL_SERVICE_NAME,
      resourceAttributes: Object.freeze(e.OTEL_RESOURCE_ATTRIBUTES),
    }),
    media: Object.freeze({
      root: resolve(e.MEDIA_ROOT ?? DEFAULT_MEDIA_ROOT),
      s3: s3Config(e),
      sweepMs: e.MEDIA_SWEEP_MS,
      cacheRetentionDays: e.MEDIA_CACHE_RETENTION_DAYS,
    }),
    feeds: Object.freeze({
      fanOutInlineFollowers: e.HOME_FAN_OUT_INLINE_FOLLOWERS,
      rebuildInlineFollowing: e.HOME_REBUILD_INLINE_FOLLOWING,
    }),
    federation: Object.freeze({
      scheme: e.FEDERATION_SCHEME,
      allowedPrivateAddresses: list(e.FEDERATION_ALLOW_PRIVATE_ADDRESSES),
      authorizedFetch: e.AUTHORIZED_FETCH,
      keyCacheMs: e.FEDERATION_KEY_CACHE_SECONDS * 1000,
      showDomainBlocks: e.SHOW_DOMAIN_BLOCKS,
      showDomainBlocksRationale: e.SHOW_DOMAIN_BLOCKS_RATIONALE,
    }),
    mediaProcessing: Object.freeze({
      ffmpegPath: e.FFMPEG_PATH,
      ffprobePath: e.FFPROBE_PATH,
      heifConvertPath: e.HEIF_CONVERT_PATH,
      timeoutMs: e.MEDIA_PROCESSING_TIMEOUT_MS,
      threads: e.MEDIA_PROCESSING_THREADS,
    }),
    search: Object.freeze({
      elasticsearch: e.ELASTICSEARCH_URL
        ? Object.freeze({
            url: e.ELASTICSEARCH_URL,
            prefix: e.ES_PREFIX,
            username: e.ES_USER,
            password: e.ES_PASS,
          })
        : null,
    }),
  });
}

/**
 * A public instance (HTTPS URLs, or NODE_ENV=production) refuses the development secret, and any
 * secret too short to be random: anyone could forge its session cookies. Test runs (NODE_ENV=test)
 * are never public, even when they exercise HTTPS URLs.
 */
function assertSecretFitsInstance(e: z.infer<typeof schema>): void {
  const isPublic = e.NODE_ENV === 'production' || (e.LOCAL_HTTPS && e.NODE_ENV !== 'test');
  if (!isPublic) return;
  const where = e.NODE_ENV === 'production' ? 'NODE_ENV=production' : 'LOCAL_HTTPS=true';
  const advice = `a public instance (${where}) needs its own long random secret, e.g. \`openssl rand -hex 64\``;
  if (e.SECRET_KEY_BASE === DEVELOPMENT_SECRET_KEY_BASE) {
    throw new ConfigError(`Invalid configuration: SECRET_KEY_BASE is the development value; ${advice}`);
  }
  if (e.SECRET_KEY_BASE.length < PUBLIC_SECRET_MIN_LENGTH) {
    throw new ConfigError(
      `Invalid configuration: SECRET_KEY_BASE is shorter than ${PUBLIC_SECRET_MIN_LENGTH} characters; ${advice}`,
    );
  }
}

/** `localhost`, `127.0.0.1` and `::1`, with or without a port (`[::1]:3000`). */
function isLoopbackDomain(domain: string): boolean {
  const host = domain
    .toLowerCase()
    .replace(/^\[(.*)\](:\d+)?$/, '$1')
    .replace(/^([^:]*):\d+$/, '$1');
  return host === 'localhost' || host === '127.0.0.1' || host === '::1';
}

/**
 * A production instance is reached by others under its domain, which every handle and ActivityPub
 * id it hands out carries for good: left on the development default (or another loopback name),
 * it would mint ids nobody else can resolve and could never change them afterwards.
 */
function assertPublicDomainInProduction(e: z.infer<typeof schema>): void {
  if (e.NODE_ENV !== 'production' || !isLoopbackDomain(e.LOCAL_DOMAIN)) return;
  throw new ConfigError(
    `Invalid configuration: LOCAL_DOMAIN is ${e.LOCAL_DOMAIN}, a loopback name; NODE_ENV=production needs the public domain handles end in, e.g. LOCAL_DOMAIN=social.example.com`,
  );
}

/**
 * OTEL_RESOURCE_ATTRIBUTES as the OpenTelemetry specification has it: comma-separated
 * `key=value` pairs, keys and values percent-decoded. Answers what is wrong instead when it is not.
 */
function parseResourceAttributes(text: string): Record<string, string> | string {
  const attributes: Record<string, string> = {};
  for (const pair of list(text)) {
    const at = pair.indexOf('=');
    if (at <= 0) return `\`${pair}\` is not key=value`;
    try {
      attributes[decodeURIComponent(pair.slice(0, at).trim())] = decodeURIComponent(
        pair.slice(at + 1).trim(),
      );
    } catch {
      return `\`${pair}\` has a malformed percent-encoding`;
    }
  }
  return attributes;
}

/**
 * The bucket settings, read as Mastodon reads its own: with S3_ENDPOINT, path-style unless
 * S3_OVERRIDE_PATH_STYLE; public URLs on S3_ALIAS_HOST when set, else on S3_HOSTNAME (or the
 * endpoint's host) in the request style. Mastodon's AWS default host applies without an endpoint.
 */
function s3Config(e: z.infer<typeof schema>): S3Config | undefined {
  if (!e.S3_ENABLED) return undefined;
  const fail = (problem: string): never => {
    throw new ConfigError(`Invalid configuration: ${problem}`);
  };
  const bucket = e.S3_BUCKET ?? fail('S3_ENABLED=true needs S3_BUCKET');
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    fail('S3_BUCKET must be a bucket name (3 to 63 lowercase letters, digits, dots and hyphens)');
  }
  if (!e.AWS_ACCESS_KEY_ID !== !e.AWS_SECRET_ACCESS_KEY) {
    fail('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go together');
  }
  const presigned = e.S3_PRESIGNED_URLS;
  if (presigned && e.S3_ALIAS_HOST !== undefined) {
    fail(
      'S3_ALIAS_HOST serves a public bucket; S3_PRESIGNED_URLS=true reads a private one through the instance',
    );
  }
  const hostOnly = /^[A-Za-z0-9.-]+(:\d{1,5})?(\/[A-Za-z0-9._~-]+)*$/;
  for (const [name, value] of [
    ['S3_ALIAS_HOST', e.S3_ALIAS_HOST],
    ['S3_HOSTNAME', e.S3_HOSTNAME],
  ] as const) {
    if (value !== undefined && !hostOnly.test(value.replace(/\/+$/, ''))) {
      fail(`${name} must be a host name (with an optional port and path), without a scheme`);
    }
  }
  const endpoint = e.S3_ENDPOINT ? new URL(e.S3_ENDPOINT) : undefined;
  if (endpoint && endpoint.protocol !== 'http:' && endpoint.protocol !== 'https:') {
    fail('S3_ENDPOINT must be an http or https URL');
  }
  const pathStyle = endpoint !== undefined && !e.S3_OVERRIDE_PATH_STYLE;
  const protocol = e.S3_PROTOCOL ?? (endpoint && !e.S3_ALIAS_HOST ? endpoint.protocol.slice(0, -1) : 'https');
  const host = e.S3_HOSTNAME?.replace(/\/+$/, '') ?? endpoint?.host ?? `s3.${e.S3_REGION}.amazonaws.com`;
  const publicBase = e.S3_ALIAS_HOST
    ? `${protocol}://${e.S3_ALIAS_HOST.replace(/\/+$/, '')}/`
    : pathStyle
      ? `${protocol}://${host}/${bucket}/`
      : `${protocol}://${bucket}.${host}/`;
  return Object.freeze({
    bucket,
    region: e.S3_REGION,
    endpoint: e.S3_ENDPOINT,
    pathStyle,
    credentials:
      e.AWS_ACCESS_KEY_ID && e.AWS_SECRET_ACCESS_KEY
        ? Object.freeze({ accessKeyId: e.AWS_ACCESS_KEY_ID, secretAccessKey: e.AWS_SECRET_ACCESS_KEY })
        : undefined,
    acl: e.S3_PERMISSION === '' ? undefined : (e.S3_PERMISSION ?? (presigned ? undefined : 'public-read')),
    reads: presigned ? 'presigned' : 'public',
    presignedSeconds: e.S3_PRESIGNED_URL_SECONDS,
    publicBase,
  });
}

/**
 * The switches that let the outbound client reach plain http and private addresses exist for
 * development and tests only: in production they would turn every remote URL into a way into the
 * operator's own network (SSRF), so the instance refuses to start with them.
 */
function assertFederationGuardsInProduction(e: z.infer<typeof schema>): void {
  if (e.NODE_ENV !== 'production') return;
  if (e.FEDERATION_SCHEME !== 'https') {
    throw new ConfigError(
      'Invalid configuration: FEDERATION_SCHEME=http is only for development and tests, not NODE_ENV=production',
    );
  }
  if (list(e.FEDERATION_ALLOW_PRIVATE_ADDRESSES).length > 0) {
    throw new ConfigError(
      'Invalid configuration: FEDERATION_ALLOW_PRIVATE_ADDRESSES is only for development and tests, not NODE_ENV=production',
    );
  }
}

/** Environment variables an operator may set, for the README and `--help`. */
export const configKeys = Object.keys(schema.shape);
