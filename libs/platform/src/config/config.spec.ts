import { ConfigError, loadConfig } from './config';

describe('client address configuration', () => {
  it('trusts no X-Forwarded-For by default when listening beyond loopback', () => {
    expect(loadConfig({}).trustedProxies).toEqual([]);
    expect(loadConfig({ HOST: '0.0.0.0' }).trustedProxies).toEqual([]);
    expect(loadConfig({ HOST: '::' }).trustedProxies).toEqual([]);
    expect(loadConfig({ HOST: '10.0.0.5' }).trustedProxies).toEqual([]);
  });

  it('trusts loopback by default when listening on loopback only (a proxy on the same host)', () => {
    for (const host of ['127.0.0.1', 'localhost', '::1', '127.0.1.1']) {
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
});
