import { ConfigError, loadConfig } from './config';

const SECRET = 'a3f1c9e07b5d42e8a6c1f0b9d7e4a2c5b8e1d3f6a9c2e5b8';

/** The error loadConfig throws for `env`, or undefined when it accepts it. */
function refusal(env: Record<string, string>): ConfigError | undefined {
  try {
    loadConfig(env);
    return undefined;
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
}

describe('SECRET_KEY_BASE on a public instance', () => {
  it.each([
    ['NODE_ENV=production', { NODE_ENV: 'production' }],
    ['LOCAL_HTTPS=true', { LOCAL_HTTPS: 'true' }],
    ['LOCAL_HTTPS=true in production', { LOCAL_HTTPS: 'true', NODE_ENV: 'production' }],
  ])('refuses the development value (unset) with %s, in one line naming the variable', (_, env) => {
    const error = refusal(env);
    expect(error?.message).toMatch(/^Invalid configuration: SECRET_KEY_BASE is the development value; /);
    expect(error?.message).not.toContain('\n');
  });

  it('refuses the development value even when set explicitly, and a secret too short to be random', () => {
    expect(
      refusal({ NODE_ENV: 'production', SECRET_KEY_BASE: 'development-secret-change-me-please' }),
    ).toBeInstanceOf(ConfigError);
    expect(refusal({ LOCAL_HTTPS: 'true', SECRET_KEY_BASE: 'only-twenty-chars-x!' })?.message).toMatch(
      /^Invalid configuration: SECRET_KEY_BASE is shorter than 32 characters; /,
    );
  });

  it('accepts a long random secret there', () => {
    expect(
      loadConfig({
        NODE_ENV: 'production',
        LOCAL_HTTPS: 'true',
        LOCAL_DOMAIN: 'social.example.com',
        SECRET_KEY_BASE: SECRET,
      }).secretKeyBase,
    ).toBe(SECRET);
  });

  it('keeps the development value where nobody else reaches: development, and tests even over https', () => {
    expect(refusal({})).toBeUndefined();
    expect(refusal({ NODE_ENV: 'development' })).toBeUndefined();
    expect(refusal({ NODE_ENV: 'test', LOCAL_HTTPS: 'true' })).toBeUndefined();
  });
});

describe('LOCAL_DOMAIN in production', () => {
  const production = { NODE_ENV: 'production', SECRET_KEY_BASE: SECRET };

  it.each([
    'localhost',
    'localhost:3000',
    'LOCALHOST:3000',
    '127.0.0.1',
    '127.0.0.1:8080',
    '::1',
    '[::1]',
    '[::1]:3000',
  ])('refuses the loopback name %s (the development default among them), saying what to set', (domain) => {
    const error = refusal({ ...production, LOCAL_DOMAIN: domain });
    expect(error?.message).toBe(
      `Invalid configuration: LOCAL_DOMAIN is ${domain}, a loopback name; NODE_ENV=production needs the public domain handles end in, e.g. LOCAL_DOMAIN=social.example.com`,
    );
  });

  it('refuses the default when LOCAL_DOMAIN is unset', () => {
    expect(refusal(production)?.message).toMatch(/^Invalid configuration: LOCAL_DOMAIN is localhost:3000, /);
  });

  it('accepts a public domain, with or without a port', () => {
    for (const domain of ['social.example.com', 'social.example.com:8443', 'localhost.example.com']) {
      expect(loadConfig({ ...production, LOCAL_DOMAIN: domain }).localDomain).toBe(domain);
    }
  });

  it('keeps localhost for development and tests', () => {
    expect(loadConfig({}).localDomain).toBe('localhost:3000');
    expect(loadConfig({ NODE_ENV: 'test', LOCAL_DOMAIN: '127.0.0.1:4000' }).localDomain).toBe(
      '127.0.0.1:4000',
    );
  });
});

describe('client address configuration', () => {
  it('trusts loopback by default, wherever it listens (a proxy on the same host), and nothing else', () => {
    for (const host of ['0.0.0.0', '::', '10.0.0.5', '127.0.0.1', 'localhost']) {
      expect(loadConfig({ HOST: host }).trustedProxies).toEqual(['127.0.0.0/8', '::1']);
    }
  });

  it('trusts exactly the configured proxies, or none when set empty', () => {
    expect(
      loadConfig({ HOST: '127.0.0.1', TRUSTED_PROXY_IPS: ' 10.0.0.2, 10.1.0.0/16,fd00::/8 ' }).trustedProxies,
    ).toEqual(['10.0.0.2', '10.1.0.0/16', 'fd00::/8']);
    expect(loadConfig({ HOST: '127.0.0.1', TRUSTED_PROXY_IPS: '' }).trustedProxies).toEqual([]);
  });

  it('refuses at boot what is not an address or a range', () => {
    for (const bad of ['proxy.internal', '10.0.0.0/33', '::/129', '10.0.0.1/8/2', '10.0.0.0/x']) {
      expect(() => loadConfig({ TRUSTED_PROXY_IPS: bad })).toThrow(ConfigError);
    }
  });

  it('safelists exact addresses only', () => {
    expect(loadConfig({}).rateLimitSafelist).toEqual(['127.0.0.1', '::1']);
    expect(loadConfig({ RATE_LIMIT_SAFELIST: '' }).rateLimitSafelist).toEqual([]);
    expect(() => loadConfig({ RATE_LIMIT_SAFELIST: '127.0.0.0/8' })).toThrow(ConfigError);
    expect(() => loadConfig({ RATE_LIMIT_SAFELIST: 'localhost' })).toThrow(ConfigError);
  });

  it('lets only a test system make polls shorter than Mastodon’s five minutes', () => {
    expect(loadConfig({}).polls).toEqual({ minExpirationSeconds: 300, sweepMs: 5000 });
    expect(
      loadConfig({ NODE_ENV: 'test', POLL_MIN_EXPIRATION_SECONDS: '1' }).polls.minExpirationSeconds,
    ).toBe(1);
    expect(() => loadConfig({ POLL_MIN_EXPIRATION_SECONDS: '1' })).toThrow(ConfigError);
  });

  it('lets only a test system schedule statuses less than Mastodon’s five minutes ahead', () => {
    expect(loadConfig({}).scheduledStatuses).toEqual({ minOffsetSeconds: 300, sweepMs: 5000 });
    expect(
      loadConfig({ NODE_ENV: 'test', SCHEDULED_STATUS_MIN_OFFSET_SECONDS: '5' }).scheduledStatuses
        .minOffsetSeconds,
    ).toBe(5);
    expect(() => loadConfig({ SCHEDULED_STATUS_MIN_OFFSET_SECONDS: '5' })).toThrow(ConfigError);
  });
});

describe('secure mode and the domain block list', () => {
  it('read AUTHORIZED_FETCH and who sees the domain blocks, refusing other audiences', () => {
    expect(
      loadConfig({
        AUTHORIZED_FETCH: 'true',
        SHOW_DOMAIN_BLOCKS: 'all',
        SHOW_DOMAIN_BLOCKS_RATIONALE: 'users',
      }).federation,
    ).toMatchObject({ authorizedFetch: true, showDomainBlocks: 'all', showDomainBlocksRationale: 'users' });
    expect(() => loadConfig({ SHOW_DOMAIN_BLOCKS: 'none' })).toThrow(ConfigError);
  });
});

describe('outbound federation switches', () => {
  it('default to https and no private addresses', () => {
    expect(loadConfig({}).federation).toEqual({
      scheme: 'https',
      allowedPrivateAddresses: [],
      authorizedFetch: false,
      keyCacheMs: 60_000,
      showDomainBlocks: 'disabled',
      showDomainBlocksRationale: 'disabled',
    });
  });

  it('let development and test systems use plain http and listed private addresses', () => {
    for (const NODE_ENV of ['development', 'test']) {
      expect(
        loadConfig({
          NODE_ENV,
          FEDERATION_SCHEME: 'http',
          FEDERATION_ALLOW_PRIVATE_ADDRESSES: ' 127.0.0.0/8, ::1 ',
        }).federation,
      ).toMatchObject({ scheme: 'http', allowedPrivateAddresses: ['127.0.0.0/8', '::1'] });
    }
  });

  it('refuse to start in production with either of them, naming the variable', () => {
    const production = {
      NODE_ENV: 'production',
      SECRET_KEY_BASE: SECRET,
      LOCAL_DOMAIN: 'social.example.com',
    };
    expect(refusal({ ...production, FEDERATION_SCHEME: 'http' })?.message).toMatch(
      /^Invalid configuration: FEDERATION_SCHEME=http is only for development and tests/,
    );
    expect(refusal({ ...production, FEDERATION_ALLOW_PRIVATE_ADDRESSES: '127.0.0.1' })?.message).toMatch(
      /^Invalid configuration: FEDERATION_ALLOW_PRIVATE_ADDRESSES is only for development and tests/,
    );
    expect(refusal({ ...production, FEDERATION_ALLOW_PRIVATE_ADDRESSES: '' })).toBeUndefined();
  });

  it('refuse what is not an address or a range, and schemes other than http(s)', () => {
    expect(() => loadConfig({ FEDERATION_ALLOW_PRIVATE_ADDRESSES: 'localhost' })).toThrow(ConfigError);
    expect(() => loadConfig({ FEDERATION_ALLOW_PRIVATE_ADDRESSES: '10.0.0.0/33' })).toThrow(ConfigError);
    expect(() => loadConfig({ FEDERATION_SCHEME: 'ftp' })).toThrow(ConfigError);
  });
});

describe('media storage configuration', () => {
  const s3 = { S3_ENABLED: 'true', S3_BUCKET: 'mammut-media' };

  it('keeps media on local disk unless S3_ENABLED', () => {
    expect(loadConfig({}).media.s3).toBeUndefined();
    expect(
      loadConfig({ S3_BUCKET: 'mammut-media', S3_ENDPOINT: 'http://127.0.0.1:9000' }).media.s3,
    ).toBeUndefined();
  });

  it('reads the bucket as Mastodon does: us-east-1, path style with an endpoint, public-read ACL', () => {
    expect(loadConfig(s3).media.s3).toEqual({
      bucket: 'mammut-media',
      region: 'us-east-1',
      endpoint: undefined,
      pathStyle: false,
      credentials: undefined,
      acl: 'public-read',
      reads: 'public',
      presignedSeconds: 300,
      publicBase: 'https://mammut-media.s3.us-east-1.amazonaws.com/',
    });
    expect(
      loadConfig({
        ...s3,
        S3_ENDPOINT: 'https://s3.example.net',
        AWS_ACCESS_KEY_ID: 'key',
        AWS_SECRET_ACCESS_KEY: 'secret',
      }).media.s3,
    ).toMatchObject({
      endpoint: 'https://s3.example.net',
      pathStyle: true,
      credentials: { accessKeyId: 'key', secretAccessKey: 'secret' },
      publicBase: 'https://s3.example.net/mammut-media/',
    });
    expect(
      loadConfig({ ...s3, S3_ENDPOINT: 'https://s3.example.net', S3_OVERRIDE_PATH_STYLE: 'true' }).media.s3,
    ).toMatchObject({ pathStyle: false, publicBase: 'https://mammut-media.s3.example.net/' });
  });

  it('sends no ACL when S3_PERMISSION is empty, nor by default with presigned reads', () => {
    expect(loadConfig({ ...s3, S3_PERMISSION: '' }).media.s3?.acl).toBeUndefined();
    expect(loadConfig({ ...s3, S3_PERMISSION: 'private' }).media.s3?.acl).toBe('private');
    expect(
      loadConfig({ ...s3, S3_PRESIGNED_URLS: 'true', S3_PRESIGNED_URL_SECONDS: '60' }).media.s3,
    ).toMatchObject({ acl: undefined, reads: 'presigned', presignedSeconds: 60 });
  });

  it('refuses a bucket setting that cannot work, naming the variable', () => {
    expect(refusal({ S3_ENABLED: 'true' })?.message).toBe(
      'Invalid configuration: S3_ENABLED=true needs S3_BUCKET',
    );
    expect(refusal({ ...s3, S3_BUCKET: 'Not_A_Bucket' })?.message).toMatch(/S3_BUCKET must be a bucket name/);
    expect(refusal({ ...s3, AWS_ACCESS_KEY_ID: 'key' })?.message).toMatch(
      /AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go together/,
    );
    expect(refusal({ ...s3, S3_PRESIGNED_URLS: 'true', S3_ALIAS_HOST: 'cdn.example.com' })?.message).toMatch(
      /S3_ALIAS_HOST serves a public bucket/,
    );
    expect(refusal({ ...s3, S3_ALIAS_HOST: 'https://cdn.example.com' })?.message).toMatch(
      /S3_ALIAS_HOST must be a host name/,
    );
    expect(refusal({ ...s3, S3_HOSTNAME: 'files.example.com/a b' })?.message).toMatch(
      /S3_HOSTNAME must be a host/,
    );
    expect(refusal({ ...s3, S3_ENDPOINT: 'ftp://files.example.com' })?.message).toMatch(
      /S3_ENDPOINT must be an http or https URL/,
    );
    expect(refusal({ ...s3, S3_PERMISSION: 'public-read-write' })).toBeInstanceOf(ConfigError);
    expect(refusal({ ...s3, S3_PRESIGNED_URL_SECONDS: '604801' })).toBeInstanceOf(ConfigError);
  });
});
