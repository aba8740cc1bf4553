import type { FastifyRequest } from 'fastify';
import { bearerToken } from './bearer-token';

const request = (parts: { authorization?: string; query?: object; body?: object }): FastifyRequest =>
  ({
    headers: parts.authorization === undefined ? {} : { authorization: parts.authorization },
    query: parts.query ?? {},
    body: parts.body,
  }) as unknown as FastifyRequest;

describe('bearerToken: where Doorkeeper reads the token', () => {
  it('takes the Bearer header first, whatever the parameters say', () => {
    expect(bearerToken(request({ authorization: 'Bearer abc', query: { access_token: 'q' } }))).toBe('abc');
    expect(bearerToken(request({ authorization: 'bearer abc' }))).toBe('abc');
    expect(bearerToken(request({ authorization: 'Bearer  abc ' }))).toBe('abc');
  });

  it('reads access_token from the query before the body, then bearer_token', () => {
    expect(bearerToken(request({ query: { access_token: 'q' }, body: { access_token: 'b' } }))).toBe('q');
    expect(bearerToken(request({ body: { access_token: 'b' } }))).toBe('b');
    expect(bearerToken(request({ query: { bearer_token: 'q' }, body: { access_token: 'b' } }))).toBe('b');
    expect(bearerToken(request({ body: { bearer_token: 'b' } }))).toBe('b');
  });

  it('passes over blank values, other schemes and values that are not strings', () => {
    expect(bearerToken(request({ authorization: 'Bearer ', query: { access_token: 'q' } }))).toBe('q');
    expect(bearerToken(request({ authorization: 'Basic dTpw', query: { access_token: 'q' } }))).toBe('q');
    expect(bearerToken(request({ authorization: 'Bearerabc' }))).toBeUndefined();
    expect(bearerToken(request({ query: { access_token: ['a', 'b'] }, body: { access_token: ' ' } }))).toBe(
      undefined,
    );
    expect(bearerToken(request({}))).toBeUndefined();
  });
});
