import { seedUser, type SeededUser } from '../../../../test-e2e/support/factories';
import { startTestSystem, type TestSystem } from '../../../../test-e2e/support/system';
import type { NodeInfo } from './nodeinfo';
import type { Jrd } from './webfinger';

jest.setTimeout(60_000);

const SCHEMA = 'http://nodeinfo.diaspora.software/ns/schema';

/** Answered by the federation service, through the gateway's proxy of the federation routes. */
describe('discovery documents over HTTP: NodeInfo, host-meta, WebFinger', () => {
  let t: TestSystem;
  let alice: SeededUser;

  beforeAll(async () => {
    t = await startTestSystem({ SITE_TITLE: 'Mammut Test', SITE_DESCRIPTION: 'Testing' });
    alice = await seedUser(t, { username: 'Alice' });
    await seedUser(t, { username: 'bob' });
  });

  afterAll(async () => {
    await t?.stop();
  });

  const webfinger = (resource?: string): Promise<Response> =>
    fetch(
      `${t.url}/.well-known/webfinger${resource === undefined ? '' : `?resource=${encodeURIComponent(resource)}`}`,
    );

  describe('NodeInfo', () => {
    it('links 2.0 then 2.1 from /.well-known/nodeinfo', async () => {
      // As a browser asks it from another origin.
      const response = await fetch(`${t.url}/.well-known/nodeinfo`, {
        headers: { origin: 'https://web-client.example' },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
      expect(await response.json()).toEqual({
        links: [
          { rel: `${SCHEMA}/2.0`, href: `${t.url}/nodeinfo/2.0` },
          { rel: `${SCHEMA}/2.1`, href: `${t.url}/nodeinfo/2.1` },
        ],
      });
    });

    it.each(['2.0', '2.1'] as const)(
      'serves NodeInfo %s as Mastodon 4.3 with Mammut in metadata',
      async (version) => {
        const response = await fetch(`${t.url}/nodeinfo/${version}`);
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toBe(
          `application/json; profile="${SCHEMA}/${version}#"; charset=utf-8`,
        );
        const body = (await response.json()) as NodeInfo;
        expect(body.version).toBe(version);
        expect(body.software.name).toBe('mastodon');
        expect(body.software.name).toMatch(/^[a-z0-9-]+$/);
        expect(body.software.version).toBe('4.3.0');
        if (version === '2.0') expect(Object.keys(body.software).sort()).toEqual(['name', 'version']);
        else expect(body.software.repository).toMatch(/^https:\/\//);
        expect(body.protocols).toEqual(['activitypub']);
        expect(body.services).toEqual({ inbound: [], outbound: [] });
        expect(body.usage).toEqual({ users: { total: 2, activeMonth: 0, activeHalfyear: 0 }, localPosts: 0 });
        expect(body.openRegistrations).toBe(true);
        expect(body.metadata.nodeName).toBe('Mammut Test');
        expect(body.metadata.nodeDescription).toBe('Testing');
        expect(body.metadata.upstream).toEqual({ name: 'mastodon', version: '4.3.0' });
        expect(body.metadata.software).toMatchObject({ name: 'mammut', version: '0.1.0' });
      },
    );
  });

  describe('host-meta', () => {
    it('serves XRD with the lrdd template on the public origin', async () => {
      const response = await fetch(`${t.url}/.well-known/host-meta`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/xrd+xml; charset=utf-8');
      const xml = await response.text();
      expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
      expect(xml).toContain('<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">');
      const template = /<Link rel="lrdd" template="([^"]+)"\/>/.exec(xml)?.[1];
      expect(template).toBe(`${t.url}/.well-known/webfinger?resource={uri}`);
    });

    it('serves the JSON variant at host-meta.json', async () => {
      const response = await fetch(`${t.url}/.well-known/host-meta.json`);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(await response.json()).toEqual({
        links: [{ rel: 'lrdd', template: `${t.url}/.well-known/webfinger?resource={uri}` }],
      });
    });

    it('serves the JSON variant when JSON is asked for', async () => {
      const response = await fetch(`${t.url}/.well-known/host-meta`, {
        headers: { accept: 'application/json' },
      });
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(await response.json()).toEqual({
        links: [{ rel: 'lrdd', template: `${t.url}/.well-known/webfinger?resource={uri}` }],
      });
    });
  });

  describe('WebFinger', () => {
    const expectAliceJrd = async (response: Response): Promise<void> => {
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/jrd+json; charset=utf-8');
      expect(response.headers.get('cache-control')).toBe('public, max-age=259200');
      const jrd = (await response.json()) as Jrd;
      expect(jrd.subject).toBe(`acct:Alice@${t.domain}`);
      expect(jrd.aliases).toEqual([`${t.url}/@Alice`, `${t.url}/users/Alice`]);
      expect(jrd.links).toEqual([
        { rel: 'http://webfinger.net/rel/profile-page', type: 'text/html', href: `${t.url}/@Alice` },
        { rel: 'self', type: 'application/activity+json', href: `${t.url}/users/Alice` },
        {
          rel: 'http://ostatus.org/schema/1.0/subscribe',
          template: `${t.url}/authorize_interaction?uri={uri}`,
        },
      ]);
    };

    it('answers acct: with the instance domain, any case', async () => {
      await expectAliceJrd(await webfinger(`acct:alice@${t.domain}`));
      await expectAliceJrd(await webfinger(`Alice@${t.domain.toUpperCase()}`));
    });

    it('answers HEAD with the headers of GET and no body', async () => {
      const response = await fetch(`${t.url}/.well-known/webfinger?resource=acct:alice@${t.domain}`, {
        method: 'HEAD',
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/jrd+json; charset=utf-8');
      expect(await response.text()).toBe('');
    });

    it('answers the actor URL and the profile URL', async () => {
      await expectAliceJrd(await webfinger(`${t.url}/users/alice`));
      await expectAliceJrd(await webfinger(`${t.url}/@Alice`));
    });

    it('names the seeded account in self', async () => {
      const jrd = (await (await webfinger(`acct:alice@${t.domain}`)).json()) as Jrd;
      const self = jrd.links.find((link) => link.rel === 'self');
      expect(self && 'href' in self ? self.href : null).toBe(`${t.url}/users/${alice.username}`);
    });

    it('answers 404 for an unknown user, a remote domain and a foreign URL', async () => {
      for (const resource of [
        `acct:nobody@${t.domain}`,
        'acct:alice@mastodon.social',
        'https://mastodon.social/users/alice',
        `${t.url}/about`,
      ]) {
        const response = await webfinger(resource);
        expect({ resource, status: response.status }).toEqual({ resource, status: 404 });
        expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
        expect(response.headers.get('cache-control')).toBe('public, max-age=180');
      }
    });

    it('answers 400 for a missing or malformed resource', async () => {
      for (const resource of [undefined, '', 'alice', 'acct:alice', `acct:@${t.domain}`]) {
        const response = await webfinger(resource);
        expect({ resource, status: response.status }).toEqual({ resource, status: 400 });
        expect(((await response.json()) as { error: string }).error).toBeTruthy();
      }
    });
  });
});
