import { seedUser, type SeededUser } from '../../../../test-e2e/support/factories';
import { startTestSystem, type TestSystem } from '../../../../test-e2e/support/system';

jest.setTimeout(60_000);

/** Text outside Latin-1 (two bytes, three, four in UTF-8), so characters and bytes differ. */
const SAID = 'Mammut 🦣 — Mammoth, マンモス, мамонт';

describe('large answers over HTTP (sent as their UTF-8 bytes)', () => {
  let t: TestSystem;
  let alice: SeededUser;

  beforeAll(async () => {
    t = await startTestSystem();
    alice = await seedUser(t, { username: 'alice' });
    for (let i = 0; i < 20; i += 1) {
      const posted = await fetch(`${t.url}/api/v1/statuses`, {
        method: 'POST',
        headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ status: `${SAID} #${i}` }),
      });
      expect(posted.status).toBe(200);
    }
  });

  afterAll(async () => {
    await t?.stop();
  });

  it('answers a page of statuses with its JSON type, its length in bytes and every character intact', async () => {
    const response = await fetch(`${t.url}/api/v1/accounts/${alice.accountId}/statuses?limit=20`, {
      headers: { authorization: `Bearer ${alice.token}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const bytes = Buffer.from(await response.arrayBuffer());
    // Large enough to be sent as bytes, and counted in bytes, not in characters.
    expect(bytes.length).toBeGreaterThan(8 * 1024);
    expect(Number(response.headers.get('content-length'))).toBe(bytes.length);
    const statuses = JSON.parse(bytes.toString('utf8')) as { content: string }[];
    expect(statuses).toHaveLength(20);
    expect(statuses.every((status) => status.content.includes(SAID))).toBe(true);
  });

  it('answers HEAD with the same length and no body', async () => {
    const url = `${t.url}/api/v1/accounts/${alice.accountId}/statuses?limit=20`;
    const headers = { authorization: `Bearer ${alice.token}` };
    const got = await fetch(url, { headers });
    const length = (await got.arrayBuffer()).byteLength;
    const head = await fetch(url, { method: 'HEAD', headers });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBe(length);
    expect((await head.arrayBuffer()).byteLength).toBe(0);
  });
});
