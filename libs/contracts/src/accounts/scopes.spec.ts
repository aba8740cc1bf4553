import { anyScopeSatisfied, knownScopes, parseScopes, scopeSatisfied } from './scopes';

describe('scopes', () => {
  it('lets parents satisfy their children', () => {
    expect(scopeSatisfied(['read'], 'read:accounts')).toBe(true);
    expect(scopeSatisfied(['write'], 'write:follows')).toBe(true);
    expect(scopeSatisfied(['follow'], 'write:blocks')).toBe(true);
    expect(scopeSatisfied(['admin:read'], 'admin:read:accounts')).toBe(true);
  });

  it('does not let children or siblings satisfy others', () => {
    expect(scopeSatisfied(['read:accounts'], 'read')).toBe(false);
    expect(scopeSatisfied(['read'], 'write:follows')).toBe(false);
    expect(scopeSatisfied(['follow'], 'read:accounts')).toBe(false);
    expect(scopeSatisfied(['read:statuses'], 'read:accounts')).toBe(false);
  });

  it('accepts any of several scopes', () => {
    expect(anyScopeSatisfied(['profile'], ['read:accounts', 'profile'])).toBe(true);
    expect(anyScopeSatisfied(['write'], ['read:accounts', 'profile'])).toBe(false);
  });

  it('parses space and plus separated lists', () => {
    expect(parseScopes('read write+follow  push')).toEqual(['read', 'write', 'follow', 'push']);
    expect(parseScopes(undefined)).toEqual([]);
    expect(knownScopes).toContain('read:accounts');
    expect(knownScopes).not.toContain('admin');
  });
});
