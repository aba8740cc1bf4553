import { KeyOwners } from './key-owners';

describe('KeyOwners', () => {
  it('answers the owner remembered for a keyId, and nothing for another', () => {
    const owners = new KeyOwners();
    owners.remember('https://gts.example/users/a/main-key', 'https://gts.example/users/a');
    expect(owners.ownerOf('https://gts.example/users/a/main-key')).toBe('https://gts.example/users/a');
    expect(owners.ownerOf('https://gts.example/users/b/main-key')).toBeUndefined();
  });

  it('drops the least recently used entry past its capacity', () => {
    const owners = new KeyOwners(2);
    owners.remember('k1', 'a1');
    owners.remember('k2', 'a2');
    expect(owners.ownerOf('k1')).toBe('a1');
    owners.remember('k3', 'a3');
    expect([owners.ownerOf('k1'), owners.ownerOf('k2'), owners.ownerOf('k3')]).toEqual([
      'a1',
      undefined,
      'a3',
    ]);
  });

  it('forgets an entry', () => {
    const owners = new KeyOwners();
    owners.remember('k1', 'a1');
    owners.forget('k1');
    expect(owners.ownerOf('k1')).toBeUndefined();
  });
});
