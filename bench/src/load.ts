import autocannon from 'autocannon';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuByCommand, cpuDelta } from './processes';

/** Where `load` and `perRequest` put a new id into a body, so each request says something new. */
export const UNIQUE = '[<id>]';

/** One request, as the load generator repeats it: a GET by default, a POST when it has a body. */
export interface LoadRequest {
  readonly url: string;
  readonly headers?: Record<string, string>;
  /** A JSON body; each UNIQUE in it becomes a new id per request. */
  readonly body?: string;
  /**
   * GETs of several paths on `url`'s origin instead of `url` alone, taken in turn by each
   * connection (a mix of searches, say).
   */
  readonly paths?: readonly string[];
}

/** Every URL a request stands for: its paths on its origin, or its URL. */
export const urlsOf = (request: LoadRequest): string[] =>
  request.paths ? request.paths.map((path) => new URL(path, request.url).href) : [request.url];

export interface Figure {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  /** CPU seconds spent per process name while measuring: where the system's core went. */
  cpu: Record<string, number>;
}

export interface LoadSettings {
  readonly connections: number;
  /** Seconds per measurement. */
  readonly duration: number;
  /** Measurements, of which the median is reported. */
  readonly runs: number;
}

function options(request: LoadRequest, connections: number, duration: number): autocannon.Options {
  const headers = { ...request.headers, ...(request.body ? { 'content-type': 'application/json' } : {}) };
  return {
    url: request.url,
    connections,
    duration,
    headers,
    ...(request.body ? { method: 'POST', body: request.body, requests: [{ setupRequest: unique }] } : {}),
    ...(request.paths ? { requests: request.paths.map((path) => ({ method: 'GET' as const, path })) } : {}),
  };
}

/**
 * A new id in each request's body. Not autocannon's `idReplacement`: it announces a body length
 * for ids of 27 characters, which its own ids no longer have, and the server waits for the rest.
 */
const unique = (request: autocannon.Request): autocannon.Request => ({
  ...request,
  body: request.body && String(request.body).replaceAll(UNIQUE, randomUUID()),
});

async function loadOnce(request: LoadRequest, settings: LoadSettings): Promise<Figure> {
  const before = cpuByCommand();
  const result = await autocannon(options(request, settings.connections, settings.duration));
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx + result.errors,
    cpu: cpuDelta(before, cpuByCommand()),
  };
}

/** A warm-up round's seconds, and the most `warmUntilSteady` spends. */
const WARM_ROUND_S = 10;
const WARM_MAX_S = 120;

/**
 * Load until the rate stops climbing (two rounds in a row under 3% faster than the one before),
 * for a process that compiles its hot paths under load for longer than the usual 2 s warm-up: a
 * fresh JVM alone on a core took 30 s to go from 460 to 1,400 searches per second, and longer at
 * the lower rate the system feeds it. Answers the seconds it took.
 */
export async function warmUntilSteady(request: LoadRequest, connections: number): Promise<number> {
  let previous = 0;
  let flat = 0;
  for (let spent = WARM_ROUND_S; ; spent += WARM_ROUND_S) {
    const rate = (await autocannon(options(request, connections, WARM_ROUND_S))).requests.average;
    flat = rate < previous * 1.03 ? flat + 1 : 0;
    if (flat === 2 || spent >= WARM_MAX_S) return spent;
    previous = Math.max(previous, rate);
  }
}

/** Warm-up, then `runs` measurements; the median by requests per second. */
export async function load(request: LoadRequest, settings: LoadSettings): Promise<Figure> {
  await autocannon(options(request, settings.connections, 2));
  const runs: Figure[] = [];
  for (let i = 0; i < settings.runs; i += 1) runs.push(await loadOnce(request, settings));
  runs.sort((a, b) => a.rps - b.rps);
  const median = runs[Math.floor(runs.length / 2)];
  return { ...median, non2xx: runs.reduce((sum, run) => sum + run.non2xx, 0) };
}

export interface RoundTrips {
  sql: number;
  bus: Record<string, number>;
}

/** The system's own counters of SQL statements and bus requests (see sut.ts). */
async function roundTrips(probeUrl: string): Promise<RoundTrips> {
  return (await (await fetch(probeUrl)).json()) as RoundTrips;
}

/**
 * Until the system has worked off what earlier requests left it (event consumers behind after a
 * burst of posts): fewer than a few statements a second, the outbox relays' idle polls, or 30 s.
 */
async function quiesce(probeUrl: string): Promise<void> {
  let last = (await roundTrips(probeUrl)).sql;
  for (let waited = 0; waited < 30; waited += 1) {
    await sleep(1000);
    const now = (await roundTrips(probeUrl)).sql;
    if (now - last < 20) return;
    last = now;
  }
}

/**
 * SQL statements and bus requests per request, one request at a time, after a warm-up. A POST's
 * count includes the work its events cause afterwards (fan-out): the system is let settle before
 * and after, so the figure holds a few of the relays' idle polls too.
 */
export async function perRequest(probeUrl: string, request: LoadRequest): Promise<RoundTrips> {
  const n = 100;
  // Requests the load generator left in flight finish first, so they are not counted here.
  await sleep(1000);
  if (request.body) await quiesce(probeUrl);
  const before = await roundTrips(probeUrl);
  const urls = urlsOf(request);
  for (let i = 0; i < n; i += 1) {
    const response = await fetch(urls[i % urls.length], {
      headers: options(request, 1, 1).headers as Record<string, string>,
      ...(request.body ? { method: 'POST', body: request.body.replaceAll(UNIQUE, randomUUID()) } : {}),
    });
    await response.arrayBuffer();
  }
  if (request.body) await quiesce(probeUrl);
  const after = await roundTrips(probeUrl);
  return {
    sql: (after.sql - before.sql) / n,
    bus: Object.fromEntries(
      Object.entries(after.bus).map(([service, count]) => [
        service,
        (count - (before.bus[service] ?? 0)) / n,
      ]),
    ),
  };
}
