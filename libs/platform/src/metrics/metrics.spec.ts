import { ContractError } from '@mammut/contracts';
import type { NatsConnection } from 'nats';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../config/config';
import { createMetrics, disabledMetrics, measuredBusRequest, type Metrics } from './metrics';

/** A connection no relay or worker runs on: the gauges have nothing to report. */
const idleNats = {} as NatsConnection;

/** What `metrics` answers a scrape, served as the health listener serves it. */
async function scrape(metrics: Metrics): Promise<string> {
  const server = createServer((request, response) => metrics.serve(request, response));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  try {
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`);
    expect(response.status).toBe(200);
    return await response.text();
  } finally {
    await new Promise((done) => server.close(done));
  }
}

/** The value of one series in the exposition, or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('metrics', () => {
  it('are off without a health listener to serve them', async () => {
    expect(await createMetrics(loadConfig({}), 'accounts', idleNats)).toBe(disabledMetrics);
    let ran = false;
    await expect(
      measuredBusRequest(disabledMetrics, 'client', 'accounts.token.authenticate', () => {
        ran = true;
        return Promise.resolve(1);
      }),
    ).resolves.toBe(1);
    expect(ran).toBe(true);
  });

  it('serve HTTP and bus durations as Prometheus histograms, labelled by route, side, subject and outcome', async () => {
    const config = loadConfig({ HEALTH_PORT: '9464', OTEL_RESOURCE_ATTRIBUTES: 'k8s.pod.name=gateway-1' });
    const metrics = await createMetrics(config, 'gateway', idleNats);
    expect(metrics.enabled).toBe(true);
    try {
      metrics.recordHttpRequest('/api/v1/statuses/:id', 'GET', 200, 0.004);
      metrics.recordHttpRequest('/api/v1/statuses/:id', 'GET', 404, 0.002);
      metrics.recordHttpRequest('/api/v1/statuses/:id', 'GET', 204, 0.3);
      await measuredBusRequest(metrics, 'client', 'statuses.status.get', () => Promise.resolve('found'));
      await expect(
        measuredBusRequest(metrics, 'server', 'statuses.status.get', () =>
          Promise.reject(new ContractError('not_found', 'Record not found')),
        ),
      ).rejects.toThrow('Record not found');
      await expect(
        measuredBusRequest(metrics, 'server', 'statuses.status.get', () => Promise.reject(new Error('bug'))),
      ).rejects.toThrow('bug');

      const text = await scrape(metrics);
      const route = 'route="/api/v1/statuses/:id",method="GET"';
      expect(sample(text, `mammut_http_request_duration_seconds_count{${route},status_class="2xx"}`)).toBe(2);
      expect(sample(text, `mammut_http_request_duration_seconds_count{${route},status_class="4xx"}`)).toBe(1);
      expect(
        sample(text, `mammut_http_request_duration_seconds_bucket{${route},status_class="2xx",le="0.005"}`),
      ).toBe(1);
      const bus = (side: string, outcome: string): number | undefined =>
        sample(
          text,
          `mammut_bus_request_duration_seconds_count{side="${side}",subject="statuses.status.get",outcome="${outcome}"}`,
        );
      expect([bus('client', 'ok'), bus('server', 'not_found'), bus('server', 'internal')]).toEqual([1, 1, 1]);
      expect(text).toMatch(/^target_info\{.*service_name="mammut-gateway".*\} 1$/m);
      expect(text).toMatch(/^target_info\{.*k8s_pod_name="gateway-1".*\} 1$/m);
      // No relay or worker runs here: the gauges have nothing to say.
      expect(text).not.toMatch(/^mammut_(outbox_backlog|jetstream_consumer_pending)\b/m);
    } finally {
      await metrics.shutdown();
    }
  });
});
