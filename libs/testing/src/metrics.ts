import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The value of one series in a Prometheus text exposition (`name{labels}`), or undefined when absent. */
export function metricSample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** The Prometheus text `url` answers, failing on anything but 200. */
export async function scrapeMetrics(url: string): Promise<string> {
  const response = await fetch(url);
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
  return response.text();
}

/**
 * Serves `handle` (a process's `/metrics`) on a loopback port while `work` runs; `work` gets a
 * function that scrapes it.
 */
export async function servingMetrics<T>(
  handle: (request: IncomingMessage, response: ServerResponse) => void,
  work: (scrape: () => Promise<string>) => Promise<T>,
): Promise<T> {
  const server = createServer(handle);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
  try {
    return await work(() => scrapeMetrics(url));
  } finally {
    await new Promise((done) => server.close(done));
  }
}
