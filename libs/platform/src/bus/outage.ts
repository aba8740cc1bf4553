/** Socket errors that mean the server on the other end is away. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);
/** PostgreSQL: shutting down, crashed, not accepting connections yet. */
const POSTGRES_CODES = new Set(['57P01', '57P02', '57P03']);
const MESSAGES =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Connection is closed|MaxRetriesPerRequest|Command timed out/i;

/**
 * Whether an error means a backing server (PostgreSQL, Redis) is unreachable right now, not that
 * the code is wrong: callers then answer 503, which clients retry, instead of 500.
 */
export function isOutage(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message, driverError } = error as {
    code?: unknown;
    message?: unknown;
    driverError?: unknown;
  };
  if (typeof code === 'string') {
    // SQLSTATE class 08: connection exceptions.
    if (SOCKET_CODES.has(code) || POSTGRES_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return true;
  }
  if (typeof message === 'string' && MESSAGES.test(message)) return true;
  // TypeORM wraps the driver's error.
  return driverError !== undefined && driverError !== error && isOutage(driverError);
}
