import { createRestAPIClient } from 'masto';
import { seedUsers } from './support/factories';
import { apiCall } from './support/http';
import { settled, startTestSystem, type TestSystem } from './support/system';

jest.setTimeout(90_000);

/** The instance's figures count real statuses: `status_count`, the weekly activity and NodeInfo's `localPosts`. */
describe('instance statistics', () => {
  let t: TestSystem;

  beforeAll(async () => {
    t = await startTestSystem();
  });

  afterAll(async () => {
    await t?.stop();
  });

  it('counts local statuses as Mastodon does: reblogs in, direct ones out of the total; posts per week', async () => {
    const [alice, bob] = await seedUsers(t, ['alice', 'bob']);
    const as = (token: string) => createRestAPIClient({ url: t.url, accessToken: token });
    const first = await as(alice.token).v1.statuses.create({ status: 'one' });
    await as(alice.token).v1.statuses.create({ status: 'two', visibility: 'unlisted' });
    await as(alice.token).v1.statuses.create({ status: 'psst @bob', visibility: 'direct' });
    const gone = await as(bob.token).v1.statuses.create({ status: 'soon deleted' });
    await as(bob.token).v1.statuses.$select(gone.id).remove();
    await as(bob.token).v1.statuses.$select(first.id).reblog();
    await settled(t);

    const v2 = (await (await apiCall(t.url, '/api/v2/instance')).json()) as { usage: unknown };
    const v1 = (await (await apiCall(t.url, '/api/v1/instance')).json()) as { stats: Record<string, number> };
    // one, two and the reblog; the direct status and the deleted one are not counted.
    expect(v1.stats.status_count).toBe(3);
    expect(v2.usage).toBeDefined();
    const nodeinfo = (await (await apiCall(t.url, '/nodeinfo/2.0')).json()) as {
      usage: { localPosts: number };
    };
    expect(nodeinfo.usage.localPosts).toBe(3);
    // This week: the four statuses posted (the deleted one too, as Mastodon's tracker counts), no reblog.
    const activity = (await (await apiCall(t.url, '/api/v1/instance/activity')).json()) as Record<
      string,
      string
    >[];
    expect(activity[0]).toMatchObject({ statuses: '4' });
    expect(activity.slice(1).every((week) => week.statuses === '0')).toBe(true);
  });
});
