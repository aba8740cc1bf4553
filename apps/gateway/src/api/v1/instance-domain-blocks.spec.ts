import { contracts, type DomainBlockRecord } from '@mammut/contracts';
import type { SerializeContext } from '@mammut/mastodon-api';
import type { Bus, Config, DomainBlocksAudience } from '@mammut/platform';
import type { InstanceFactsSource } from '../../instance/instance-facts';
import { InstanceV1Controller } from './instance.controller';

const block: DomainBlockRecord = {
  id: '1',
  domain: 'spam.example',
  severity: 'suspend',
  rejectMedia: false,
  rejectReports: false,
  obfuscate: false,
  privateComment: 'ticket 12',
  publicComment: 'spam',
  createdAt: '2026-12-01T00:00:00.000Z',
  updatedAt: '2026-12-01T00:00:00.000Z',
};

/** The controller with the two settings, and a bus that answers only the block list. */
function controller(showDomainBlocks: DomainBlocksAudience, showDomainBlocksRationale: DomainBlocksAudience) {
  const request = jest.fn((def: { subject: string }) =>
    def.subject === contracts.federation.domainBlocks.list.subject
      ? Promise.resolve({ blocks: [block] })
      : Promise.reject(new Error(`unexpected ${def.subject}`)),
  );
  const config = { federation: { showDomainBlocks, showDomainBlocksRationale } } as unknown as Config;
  return new InstanceV1Controller(
    {} as InstanceFactsSource,
    config,
    {} as SerializeContext,
    { request } as unknown as Bus,
  );
}

const status = (promise: Promise<unknown>): Promise<number | 'ok'> =>
  promise.then(
    () => 'ok' as const,
    (error: { status?: number }) => error.status ?? 500,
  );

describe('GET /api/v1/instance/domain_blocks', () => {
  it('is not found for anyone by default, as Mastodon', async () => {
    expect(await status(controller('disabled', 'disabled').domainBlocks(null))).toBe(404);
    expect(await status(controller('disabled', 'all').domainBlocks('7'))).toBe(404);
  });

  it('shows `users` the list only when signed in, and the comment only where its own setting allows', async () => {
    expect(await status(controller('users', 'all').domainBlocks(null))).toBe(404);
    expect(await controller('users', 'all').domainBlocks('7')).toEqual([
      expect.objectContaining({ domain: 'spam.example', severity: 'suspend', comment: 'spam' }),
    ]);
    const anonymous = await controller('all', 'users').domainBlocks(null);
    expect(anonymous).toEqual([expect.objectContaining({ domain: 'spam.example' })]);
    expect(anonymous[0]).not.toHaveProperty('comment');
  });
});
