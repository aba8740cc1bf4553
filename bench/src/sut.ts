import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { Client } from 'pg';
import { Bus, initLogging, loadConfig, PreparingClient } from '@mammut/platform';
import { startSystem } from '../../apps/all-in-one/src/system';

/**
 * Counts what the system sends to PostgreSQL and over the bus, so the runner can report round
 * trips per request. Patched here, in the bench only: the product code carries no counters.
 */
const counters = { sql: 0, bus: {} as Record<string, number> };
/** BENCH_SQL_LOG=<file>: each statement's text (its start) with its count, written there at exit. */
const SQL_LOG = process.env.BENCH_SQL_LOG;
const statements = new Map<string, number>();

function countRoundTrips(): void {
  // The services' pools make PreparingClients, which have a `query` of their own.
  for (const prototype of [Client.prototype, PreparingClient.prototype]) countQueries(prototype);
  const request = Bus.prototype.request;
  Bus.prototype.request = function (this: Bus, ...args: Parameters<Bus['request']>) {
    // By subject, summed by service when read: the count costs the load as little as it can.
    const subject = args[0].subject;
    counters.bus[subject] = (counters.bus[subject] ?? 0) + 1;
    return request.apply(this, args);
  } as Bus['request'];
}

/** Counts (and, with BENCH_SQL_LOG, records) every query a client of this kind sends. */
function countQueries(prototype: Client): void {
  const query = prototype.query as (...args: unknown[]) => unknown;
  prototype.query = function (this: Client, ...args: unknown[]) {
    counters.sql += 1;
    if (SQL_LOG) {
      const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string } | null)?.text;
      const key = String(text ?? '?')
        .replace(/\s+/g, ' ')
        .trim()
        .slice(0, 140);
      statements.set(key, (statements.get(key) ?? 0) + 1);
    }
    return query.apply(this, args);
  } as typeof Client.prototype.query;
}

/** The system under test: the all-in-one process, configured by the environment the runner gives it. */
async function main(): Promise<void> {
  countRoundTrips();
  const config = loadConfig();
  initLogging(config.logLevel);
  const system = await startSystem(config);
  const probe = createServer((_request, response) => {
    const bus: Record<string, number> = {};
    for (const [subject, count] of Object.entries(counters.bus)) {
      const service = subject.split('.')[0];
      bus[service] = (bus[service] ?? 0) + count;
    }
    response.end(JSON.stringify({ sql: counters.sql, bus }));
  });
  await new Promise<void>((resolve) => probe.listen(config.port + 2, '127.0.0.1', resolve));
  process.stdout.write('ready\n');
  process.once('SIGTERM', () => {
    probe.close();
    if (SQL_LOG)
      writeFileSync(
        SQL_LOG,
        JSON.stringify(
          [...statements].sort((a, b) => b[1] - a[1]),
          null,
          1,
        ),
      );
    void system.close().then(() => process.exit(0));
  });
}

void main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
