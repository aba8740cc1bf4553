import { contracts, type ReportRecord } from '@mammut/contracts';
import { createRestAPIClient, type mastodon } from 'masto';
import { modifyUser } from './support/admin';
import { seedUsers, type SeededUser } from './support/factories';
import { pollUntil } from './support/poll';
import { settled, type SystemUnderTest, useTestSystem } from './support/system';

jest.setTimeout(120_000);

const FEDERATING = { FEDERATION_SCHEME: 'http', FEDERATION_ALLOW_PRIVATE_ADDRESSES: '127.0.0.1' };

/** The moderators' view of the reports, as `npm run mammut -- reports list` asks for it. */
const reportsOn = async (sut: SystemUnderTest): Promise<ReportRecord[]> =>
  (await sut.t.system.runtime.bus.request(contracts.moderation.reports.list, {})).reports;

/**
 * Reports: a user of A reports an account of A or of B with some of its statuses; the report
 * reaches A's moderators, and, forwarded, B's as a Flag from A's instance actor (the reporter
 * stays anonymous). B ignores Flags from a domain it blocks with `reject_reports`. Bad input is
 * refused with Mastodon's errors and files nothing.
 */
describe('reports', () => {
  const a = useTestSystem(FEDERATING);
  const b = useTestSystem(FEDERATING);
  let alice: SeededUser;
  let carol: SeededUser;
  let bob: SeededUser;
  let modA: SeededUser;
  let modB: SeededUser;
  let aliceClient: mastodon.rest.Client;
  let bobClient: mastodon.rest.Client;
  let bobOnA: mastodon.v1.Account;

  /** The `admin.report` notifications `staff` on `sut` has, once `count` arrived. */
  const reportNotices = (sut: SystemUnderTest, staff: SeededUser, count: number) =>
    pollUntil(
      async () =>
        await createRestAPIClient({ url: sut.t.url, accessToken: staff.token }).v1.notifications.list({
          types: ['admin.report'],
        }),
      (list) => list.length >= count,
      15_000,
    );

  beforeAll(async () => {
    [alice, carol, modA] = await seedUsers(a.t, ['alice', 'carol', 'moda']);
    [bob, modB] = await seedUsers(b.t, ['bob', 'modb']);
    await modifyUser(a.t.system.runtime.config, 'moda', { role: 'moderator' });
    await modifyUser(b.t.system.runtime.config, 'modb', { role: 'admin' });
    aliceClient = createRestAPIClient({ url: a.t.url, accessToken: alice.token });
    bobClient = createRestAPIClient({ url: b.t.url, accessToken: bob.token });
    const { accounts } = await aliceClient.v2.search.list({
      q: `@bob@${b.t.domain}`,
      resolve: true,
      type: 'accounts',
    });
    [bobOnA] = accounts;
  });

  it('files a report about a local account with its statuses, seen by the moderators', async () => {
    const carolClient = createRestAPIClient({ url: a.t.url, accessToken: carol.token });
    const status = await carolClient.v1.statuses.create({ status: 'buy my stuff' });
    const report = await aliceClient.v1.reports.create({
      accountId: carol.accountId,
      statusIds: [status.id],
      comment: 'spam',
      category: 'spam',
    });
    // masto hands the entity over camel-cased.
    expect(report).toMatchObject({
      actionTaken: false,
      category: 'spam',
      comment: 'spam',
      forwarded: false,
      statusIds: [status.id],
      ruleIds: null,
      targetAccount: { id: carol.accountId, acct: 'carol' },
    });
    // The moderators hear of it from the reporter, with the report (v1 and grouped v2).
    const [notice] = await reportNotices(a, modA, 1);
    expect(notice).toMatchObject({
      type: 'admin.report',
      account: { id: alice.accountId },
      report: { id: report.id, category: 'spam', targetAccount: { id: carol.accountId } },
    });
    const grouped = (await (
      await fetch(`${a.t.url}/api/v2/notifications?types[]=admin.report`, {
        headers: { authorization: `Bearer ${modA.token}` },
      })
    ).json()) as { notification_groups: unknown[] };
    expect(grouped.notification_groups).toMatchObject([{ type: 'admin.report', report: { id: report.id } }]);
    // Nobody else does.
    expect(await aliceClient.v1.notifications.list({ types: ['admin.report'] })).toEqual([]);
    expect(await reportsOn(a)).toEqual([
      expect.objectContaining({
        id: report.id,
        accountId: alice.accountId,
        targetAccountId: carol.accountId,
        statusIds: [status.id],
      }),
    ]);
  });

  it('forwards a report about a remote account to its server as a Flag from the instance actor', async () => {
    const posted = await bobClient.v1.statuses.create({ status: 'something rude' });
    const [found] = (await aliceClient.v2.search.list({ q: posted.uri, resolve: true, type: 'statuses' }))
      .statuses;
    const report = await aliceClient.v1.reports.create({
      accountId: bobOnA.id,
      statusIds: [found.id],
      comment: 'rude',
      forward: true,
    });
    expect(report).toMatchObject({ forwarded: true, category: 'other', targetAccount: { id: bobOnA.id } });

    const onB = await pollUntil(
      () => reportsOn(b),
      (list) => list.length > 0,
      15_000,
    );
    expect(onB).toEqual([
      expect.objectContaining({
        targetAccountId: bob.accountId,
        statusIds: [posted.id],
        comment: 'rude',
        forwarded: false,
      }),
    ]);
    // The reporter on B is A's instance actor, not alice.
    const { actors } = await b.t.system.runtime.bus.request(contracts.accounts.remote.getActors, {
      ids: [onB[0].accountId],
    });
    expect(actors[0].uri).toBe(`${a.t.url}/actor`);
    const [notice] = await reportNotices(b, modB, 1);
    expect(notice).toMatchObject({
      account: { id: onB[0].accountId },
      report: { id: onB[0].id, targetAccount: { id: bob.accountId }, statusIds: [posted.id] },
    });
  });

  it('keeps a report about a remote account home without forward', async () => {
    const before = (await reportsOn(b)).length;
    const report = await aliceClient.v1.reports.create({ accountId: bobOnA.id, comment: 'just here' });
    expect(report.forwarded).toBe(false);
    await Promise.all([settled(a.t), settled(b.t)]);
    expect(await reportsOn(b)).toHaveLength(before);
  });

  it('ignores Flags from a domain blocked with reject_reports', async () => {
    await b.t.system.runtime.bus.request(contracts.federation.domainBlocks.create, {
      domain: a.t.domain,
      severity: 'noop',
      rejectReports: true,
    });
    const before = (await reportsOn(b)).length;
    await aliceClient.v1.reports.create({ accountId: bobOnA.id, comment: 'once more', forward: true });
    await Promise.all([settled(a.t), settled(b.t)]);
    expect(await reportsOn(b)).toHaveLength(before);
  });

  it('refuses bad reports with Mastodon’s errors and files nothing', async () => {
    const before = (await reportsOn(a)).length;
    const post = (body: Record<string, unknown>, token = alice.token) =>
      fetch(`${a.t.url}/api/v1/reports`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const expectError = async (response: Response, status: number) => {
      expect(response.status).toBe(status);
      expect(typeof ((await response.json()) as { error?: unknown }).error).toBe('string');
    };
    const bobsStatus = (await bobClient.v1.statuses.create({ status: 'not carol’s' })).uri;
    const [notCarols] = (await aliceClient.v2.search.list({ q: bobsStatus, resolve: true, type: 'statuses' }))
      .statuses;

    await expectError(await post({ account_id: '99999999' }), 404);
    await expectError(await post({ account_id: 'nope' }), 404);
    await expectError(await post({ account_id: carol.accountId, status_ids: [notCarols.id] }), 404);
    await expectError(await post({ account_id: carol.accountId, comment: 'x'.repeat(1001) }), 422);
    await expectError(await post({ account_id: carol.accountId, category: 'bogus' }), 422);
    await expectError(await post({ account_id: carol.accountId, rule_ids: ['1'] }), 422);
    await expectError(await post({ account_id: carol.accountId }, 'not-a-token'), 401);
    expect(await reportsOn(a)).toHaveLength(before);
  });
});
