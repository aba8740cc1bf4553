import { createRestAPIClient } from 'masto';
import type { HealthCheckResult } from '@nestjs/terminus';
import { HealthChecks, PostgresHealthIndicator } from '@mammut/platform';
import type { MInstance, MInstanceActivity, MInstanceV1 } from '@mammut/mastodon-api';
import type { DataSource } from 'typeorm';
import { contracts } from '@mammut/contracts';
import { saveRemoteAccount, seedUser, type SeededUser } from '../../../../../test-e2e/support/factories';
import { Browser, submitSignIn } from '../../../../../test-e2e/support/oauth';
import { pollUntil } from '../../../../../test-e2e/support/poll';
import { startTestSystem, type TestSystem } from '../../../../../test-e2e/support/system';
import { ACCOUNTS_DB } from '../../../../accounts/src/database/accounts-database';

jest.setTimeout(60_000);

const VERSION = '4.3.0 (compatible; Mammut 0.1.0)';

async function getJson<T>(url: string): Promise<{ status: number; type: string | null; body: T }> {
  const response = await fetch(url);
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    body: (await response.json()) as T,
  };
}

/** An admin, a user who signed in today, and a remote account: figures every field below depends on. */
async function seedInstance(t: TestSystem): Promise<{ admin: SeededUser; member: SeededUser }> {
  const admin = await seedUser(t, { username: 'alice' });
  const member = await seedUser(t, { username: 'bob' });
  // The operator makes alice an admin, as `npm run mammut -- accounts modify alice --role admin` does.
  await t.system.runtime.bus.request(contracts.accounts.admin.modifyUser, {
    userId: admin.userId,
    role: 'admin',
  });
  // Bob signs in on the web form today.
  const browser = new Browser(t.url);
  const page = await (await browser.get('/auth/sign_in')).text();
  const signedIn = await submitSignIn(browser, page, member.email, member.password);
  if (signedIn.status !== 200) throw new Error(`bob's sign-in answered ${signedIn.status}`);
  // As federation will save it: the domain as the peer spelled it, stored normalised.
  await saveRemoteAccount(t.system.runtime.bus, 'carol', 'Remote.Example', {
    uri: 'https://remote.example/users/carol',
  });
  // Servers known here but limited by the operator: not listed among the peers (Mastodon's rule).
  await saveRemoteAccount(t.system.runtime.bus, 'dan', 'quiet.example');
  await saveRemoteAccount(t.system.runtime.bus, 'erin', 'a.gone.example');
  await saveRemoteAccount(t.system.runtime.bus, 'fay', 'pictures.example');
  const blocks = contracts.federation.domainBlocks;
  await t.system.runtime.bus.request(blocks.create, { domain: 'quiet.example', severity: 'silence' });
  await t.system.runtime.bus.request(blocks.create, { domain: 'gone.example', severity: 'suspend' });
  await t.system.runtime.bus.request(blocks.create, {
    domain: 'pictures.example',
    severity: 'noop',
    rejectMedia: true,
  });
  await t.system.runtime.bus.request(blocks.create, { domain: 'remote.example', severity: 'noop' });
  return { admin, member };
}

describe('instance endpoints over HTTP (default configuration)', () => {
  let t: TestSystem;
  let admin: SeededUser;

  beforeAll(async () => {
    t = await startTestSystem({ SITE_TITLE: 'Mammut Test', SITE_DESCRIPTION: 'A <test> server' });
    ({ admin } = await seedInstance(t));
  });

  afterAll(async () => {
    await t?.stop();
  });

  it('serves /api/v2/instance with every field of Mastodon 4.3', async () => {
    const { status, type, body } = await getJson<MInstance>(`${t.url}/api/v2/instance`);
    expect(status).toBe(200);
    expect(type).toBe('application/json; charset=utf-8');
    expect(body.domain).toBe(t.domain);
    expect(body.title).toBe('Mammut Test');
    expect(body.version).toBe(VERSION);
    expect(body.source_url).toMatch(/^https:\/\//);
    expect(body.description).toBe('A <test> server');
    expect(body.usage).toEqual({ users: { active_month: 1 } });
    expect(body.thumbnail.url).toBe(`${t.url}/instance/thumbnail.png`);
    expect(body.icon.length).toBeGreaterThan(0);
    expect(body.icon[0]).toEqual({ src: `${t.url}/instance/icons/36.png`, size: '36x36' });
    expect(body.languages).toEqual(['en']);
    const c = body.configuration;
    expect(c.urls).toEqual({
      streaming: t.url.replace(/^http:/, 'ws:'),
      status: null,
      about: `${t.url}/about`,
      privacy_policy: null,
      terms_of_service: null,
    });
    expect(c.vapid.public_key).toMatch(/^[A-Za-z0-9_-]{87}$/);
    expect(c.accounts).toEqual({
      max_display_name_length: 30,
      max_note_length: 500,
      max_avatar_description_length: 150,
      max_header_description_length: 150,
      max_featured_tags: 10,
      max_pinned_statuses: 5,
      max_profile_fields: 4,
      profile_field_name_limit: 255,
      profile_field_value_limit: 255,
    });
    expect(c.statuses).toEqual({
      max_characters: 500,
      max_media_attachments: 4,
      characters_reserved_per_url: 23,
    });
    expect(c.media_attachments.supported_mime_types).toEqual(
      expect.arrayContaining(['image/jpeg', 'video/mp4']),
    );
    expect(c.media_attachments).toMatchObject({
      description_limit: 1500,
      image_size_limit: 16_777_216,
      image_matrix_limit: 33_177_600,
      video_size_limit: 103_809_024,
      video_frame_rate_limit: 120,
      video_matrix_limit: 8_294_400,
    });
    expect(c.polls).toEqual({
      max_options: 4,
      max_characters_per_option: 50,
      min_expiration: 300,
      max_expiration: 2_629_746,
    });
    expect(c.translation).toEqual({ enabled: false });
    expect(c.timelines_access.live_feeds).toEqual({ local: 'public', remote: 'public' });
    expect(c.limited_federation).toBe(false);
    expect(body.registrations).toEqual({
      enabled: true,
      approval_required: false,
      message: null,
      url: null,
      min_age: null,
      reason_required: false,
    });
    expect(body.api_versions).toEqual({ mastodon: 2 });
    expect(body.contact.email).toBe('');
    expect(body.contact.account?.id).toBe(admin.accountId);
    expect(body.contact.account?.acct).toBe('alice');
    expect(body.rules).toEqual([]);
  });

  it('serves /api/v1/instance with counts from the accounts service', async () => {
    const { status, body } = await getJson<MInstanceV1>(`${t.url}/api/v1/instance`);
    expect(status).toBe(200);
    expect(body.uri).toBe(t.domain);
    expect(body.title).toBe('Mammut Test');
    expect(body.short_description).toBe('A <test> server');
    expect(body.description).toBe('<p>A &#60;test&#62; server</p>');
    expect(body.email).toBe('');
    expect(body.version).toBe(VERSION);
    expect(body.urls).toEqual({ streaming_api: t.url.replace(/^http:/, 'ws:') });
    // Two confirmed local users; one known remote domain; no statuses service yet.
    // Every known server counts, limited ones too (Mastodon counts Instance, not Instance.searchable).
    expect(body.stats).toEqual({ user_count: 2, status_count: 0, domain_count: 4 });
    expect(body.thumbnail).toBe(`${t.url}/instance/thumbnail.png`);
    expect(body.languages).toEqual(['en']);
    expect(body.registrations).toBe(true);
    expect(body.approval_required).toBe(false);
    expect(body.invites_enabled).toBe(false);
    expect(body.configuration.accounts).toEqual({ max_featured_tags: 10, max_pinned_statuses: 5 });
    expect(body.configuration.statuses.max_characters).toBe(500);
    expect(body.configuration.polls.max_options).toBe(4);
    expect(body.configuration.media_attachments.image_size_limit).toBe(16_777_216);
    expect(body.contact_account?.username).toBe('alice');
    expect(body.rules).toEqual([]);
  });

  it('is read by masto without a token, and ignores a bad one', async () => {
    const client = createRestAPIClient({ url: t.url, accessToken: 'not-a-token' });
    const v2 = await client.v2.instance.fetch();
    expect(v2.configuration.urls.streaming).toBe(t.url.replace(/^http:/, 'ws:'));
    expect(v2.apiVersions).toEqual({ mastodon: 2 });
    const v1 = await client.v1.instance.fetch();
    expect(v1.stats.userCount).toBe(2);
  });

  it('lists peers, rules, activity, extended description and custom emojis', async () => {
    expect((await getJson<string[]>(`${t.url}/api/v1/instance/peers`)).body).toEqual(['remote.example']);
    expect((await getJson<unknown[]>(`${t.url}/api/v1/instance/rules`)).body).toEqual([]);
    expect((await getJson<unknown[]>(`${t.url}/api/v1/custom_emojis`)).body).toEqual([]);

    const { body: weeks } = await getJson<MInstanceActivity[]>(`${t.url}/api/v1/instance/activity`);
    expect(weeks).toHaveLength(12);
    for (const week of weeks) {
      expect(typeof week.week).toBe('string');
      expect(typeof week.logins).toBe('string');
      expect(week.statuses).toBe('0');
    }
    const starts = weeks.map((week) => Number(week.week));
    expect(starts.every((start, i) => i === 0 || starts[i - 1] - start === 7 * 86_400)).toBe(true);
    const thisWeek = new Date(starts[0] * 1000);
    expect(thisWeek.getUTCDay()).toBe(1); // Monday
    expect(Date.now() / 1000 - starts[0]).toBeLessThan(7 * 86_400);
    expect(weeks[0]).toMatchObject({ registrations: '2', logins: '1' });
    expect(weeks[1]).toMatchObject({ registrations: '0', logins: '0' });

    const { body: extended } = await getJson<{ updated_at: string; content: string }>(
      `${t.url}/api/v1/instance/extended_description`,
    );
    expect(extended.content).toBe('<p>A &#60;test&#62; server</p>');
    expect(extended.updated_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('serves the thumbnail and icons it advertises as PNG', async () => {
    const { body } = await getJson<MInstance>(`${t.url}/api/v2/instance`);
    for (const url of [body.thumbnail.url, body.icon[body.icon.length - 1].src]) {
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/png');
      const bytes = Buffer.from(await response.arrayBuffer());
      expect(bytes.subarray(1, 4).toString('ascii')).toBe('PNG');
    }
    const png = Buffer.from(await (await fetch(body.thumbnail.url)).arrayBuffer());
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([600, 315]);
    expect((await fetch(`${t.url}/instance/icons/37.png`)).status).toBe(404);
  });

  it('sends Mastodon’s security headers, and images readable by web clients on other origins', async () => {
    const response = await fetch(`${t.url}/api/v1/instance`);
    const security = [...response.headers.keys()].filter(
      (name) => name.startsWith('x-') || name.startsWith('cross-origin') || name.endsWith('-policy'),
    );
    expect(security.filter((name) => name !== 'x-request-id').sort()).toEqual([
      'referrer-policy',
      'x-content-type-options',
      'x-frame-options',
      'x-xss-protection',
    ]);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('x-xss-protection')).toBe('0');
    expect(response.headers.get('referrer-policy')).toBe('same-origin');
    // Plain http: no HSTS.
    expect(response.headers.get('strict-transport-security')).toBeNull();
    const { body } = await getJson<MInstance>(`${t.url}/api/v2/instance`);
    for (const url of [body.thumbnail.url, `${t.url}/avatars/original/missing.png`]) {
      const image = await fetch(url);
      expect(image.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
      expect(image.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('answers /health with OK and /health/ready with terminus’ report on each dependency', async () => {
    const live = await fetch(`${t.url}/health`);
    expect(live.status).toBe(200);
    expect(live.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await live.text()).toBe('OK');
    // Each dependency has 2 s to answer: on a machine busy with other suites one may not, once,
    // which a probe's failureThreshold absorbs; the shape of the report is what is tested here.
    const response = await pollUntil(
      () => fetch(`${t.url}/health/ready`),
      (answer) => answer.status === 200,
      15_000,
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toContain('no-store');
    const up = { status: 'up' };
    const all = {
      'accounts.postgres': up,
      'statuses.postgres': up,
      'timelines.postgres': up,
      'federation.postgres': up,
      'moderation.postgres': up,
      'search.postgres': up,
      'media.postgres': up,
      redis: up,
      nats: up,
    };
    expect(await response.json()).toEqual({ status: 'ok', info: all, error: {}, details: all });
  });

  it('answers 503 from /health/ready naming the dependency that is down', async () => {
    // The real PostgreSQL indicator on a pool that refuses, without stopping the shared test server.
    const app = t.system.app;
    const checks = app.get(HealthChecks);
    const indicator = app.get(PostgresHealthIndicator);
    const refusing = {
      query: () => Promise.reject(new Error('connection refused')),
    } as unknown as DataSource;
    checks.register('accounts.postgres', () => indicator.pingCheck('accounts.postgres', refusing));
    try {
      const ready = await getJson<HealthCheckResult>(`${t.url}/health/ready`);
      expect(ready.status).toBe(503);
      const [up, down] = [{ status: 'up' }, { status: 'down' }];
      expect(ready.body).toEqual({
        status: 'error',
        info: {
          'statuses.postgres': up,
          'timelines.postgres': up,
          'federation.postgres': up,
          'moderation.postgres': up,
          'search.postgres': up,
          'media.postgres': up,
          redis: up,
          nats: up,
        },
        error: { 'accounts.postgres': down },
        details: {
          'accounts.postgres': down,
          'statuses.postgres': up,
          'timelines.postgres': up,
          'federation.postgres': up,
          'moderation.postgres': up,
          'search.postgres': up,
          'media.postgres': up,
          redis: up,
          nats: up,
        },
      });
    } finally {
      // The system is shared with the other tests: its own database check goes back.
      const db = app.get<symbol, DataSource>(ACCOUNTS_DB);
      checks.register('accounts.postgres', () => indicator.pingCheck('accounts.postgres', db));
    }
    expect((await fetch(`${t.url}/health/ready`)).status).toBe(200);
  });
});

describe('instance endpoints over HTTP (https origin, reviewed sign-ups)', () => {
  let t: TestSystem;

  beforeAll(async () => {
    t = await startTestSystem({
      LOCAL_HTTPS: 'true',
      REGISTRATIONS_MODE: 'approved',
      SITE_CONTACT_EMAIL: 'staff@example.com',
      SOURCE_URL: 'https://code.example/our-fork',
    });
  });

  afterAll(async () => {
    await t?.stop();
  });

  it('advertises wss:// streaming, approval and the contact e-mail; no admin, no contact account', async () => {
    const { body: v2 } = await getJson<MInstance>(`${t.url}/api/v2/instance`);
    expect(v2.configuration.urls.streaming).toBe(`wss://${t.domain}`);
    expect(v2.thumbnail.url).toBe(`https://${t.domain}/instance/thumbnail.png`);
    expect(v2.registrations).toMatchObject({ enabled: true, approval_required: true, reason_required: true });
    expect(v2.contact).toEqual({ email: 'staff@example.com', account: null });
    expect(v2.usage.users.active_month).toBe(0);
    expect(v2.source_url).toBe('https://code.example/our-fork');
    const { body: v1 } = await getJson<MInstanceV1>(`${t.url}/api/v1/instance`);
    expect(v1.urls.streaming_api).toBe(`wss://${t.domain}`);
    expect(v1.approval_required).toBe(true);
    expect(v1.email).toBe('staff@example.com');
    expect(v1.contact_account).toBeNull();
    expect(v1.stats).toEqual({ user_count: 0, status_count: 0, domain_count: 0 });
    const headers = (await fetch(`${t.url}/api/v1/instance`)).headers;
    expect(headers.get('strict-transport-security')).toBe('max-age=31536000');
  });
});
