import { type AccountRecord, ContractError, contracts } from '@mammut/contracts';
import type { Bus, Config } from '@mammut/platform';
import { StatusRenderer } from './status-input';

const config = { publicOrigin: 'https://here.example', localDomain: 'here.example' } as Config;
const dave = { id: '30', username: 'dave', domain: 'peer.example', url: 'https://peer.example/@dave' };

/**
 * The bus as rendering uses it: no account known by handle, federation answering each handle as
 * `resolve` says, the accounts it resolved by id; any other request fails the test.
 */
function rendererWith(resolve: (acct: string) => Promise<{ accountId: string }>) {
  const request = jest.fn((def: { subject: string }, input: Record<string, unknown>): Promise<unknown> => {
    switch (def.subject) {
      case contracts.accounts.profiles.lookupAccounts.subject:
        return Promise.resolve({ accounts: [] });
      case contracts.federation.remoteAccounts.resolve.subject:
        return resolve(input.acct as string);
      case contracts.accounts.profiles.getAccounts.subject:
        return Promise.resolve({
          accounts: [dave].filter((account) =>
            (input.ids as string[]).includes(account.id),
          ) as AccountRecord[],
          missing: [],
        });
      default:
        return Promise.reject(new Error(`unexpected request ${def.subject}`));
    }
  });
  return { renderer: new StatusRenderer({ request } as unknown as Bus, config), request };
}

describe('StatusRenderer', () => {
  it('resolves a remote handle not known here and links it', async () => {
    const { renderer } = rendererWith(() => Promise.resolve({ accountId: dave.id }));
    const { html, mentions } = await renderer.render('hi @dave@peer.example');
    expect(mentions).toEqual([dave.id]);
    expect(html).toContain('href="https://peer.example/@dave"');
  });

  it('leaves a handle nobody answers for, or a local one, as text', async () => {
    const { renderer, request } = rendererWith(() =>
      Promise.reject(new ContractError('not_found', 'nobody')),
    );
    const { html, mentions } = await renderer.render('hi @ghost@peer.example and @nobody@here.example');
    expect(mentions).toEqual([]);
    expect(html).not.toContain('href');
    const asked = request.mock.calls.filter(
      ([def]) => def.subject === contracts.federation.remoteAccounts.resolve.subject,
    );
    expect(asked.map(([, input]) => input.acct)).toEqual(['ghost@peer.example']);
  });

  it('does not wait past its deadline for a server that does not answer', async () => {
    jest.useFakeTimers();
    try {
      const { renderer } = rendererWith(() => new Promise(() => undefined));
      const rendered = renderer.render('hi @dave@slow.example');
      await jest.advanceTimersByTimeAsync(5_000);
      expect(await rendered).toMatchObject({ mentions: [] });
    } finally {
      jest.useRealTimers();
    }
  });
});
