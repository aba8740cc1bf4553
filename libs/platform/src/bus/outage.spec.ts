import { isOutage } from './outage';

describe('isOutage', () => {
  it.each([
    [
      'a refused connection',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
    ],
    ['PostgreSQL shutting down', Object.assign(new Error('terminating connection'), { code: '57P01' })],
    ['a connection exception (class 08)', Object.assign(new Error('connection failure'), { code: '08006' })],
    ['a pool that lost its connection', new Error('Connection terminated unexpectedly')],
    [
      'TypeORM wrapping a driver error',
      Object.assign(new Error('query failed'), { driverError: { code: '57P03' } }),
    ],
    [
      'Redis gone',
      new Error('Reached the max retries per request limit (which is 2). MaxRetriesPerRequestError'),
    ],
  ])('recognises %s', (_, error) => {
    expect(isOutage(error)).toBe(true);
  });

  it.each([
    ['a unique violation', Object.assign(new Error('duplicate key'), { code: '23505' })],
    ['a syntax error', Object.assign(new Error('syntax error'), { code: '42601' })],
    ['a plain bug', new TypeError('x is undefined')],
    ['not an error', 'ECONNREFUSED'],
  ])('does not take %s for an outage', (_, error) => {
    expect(isOutage(error)).toBe(false);
  });
});
