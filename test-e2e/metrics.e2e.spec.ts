import { createRestAPIClient } from 'masto';
import type { ChildProcess } from 'node:child_process';
import { streamLayout } from '@mammut/platform';
import {
  cloneTemplateDatabase,
  dropDatabase,
  metricSample,
  scrapeMetrics,
  testInfra,
  uniqueName,
} from '@mammut/testing';
import { seedUser } from './support/factories';
import { pollUntil } from './support/poll';
import { splitSystemEnv, startProcess, until } from './support/service-processes';
import { freePort } from './support/system';

jest.setTimeout(120_000);

/** The count of one histogram series in a scrape, 0 while it has never been recorded. */
const count = (text: string, series: string): number => metricSample(text, series) ?? 0;

/**
 * What Prometheus scrapes from a deployment: the gateway, accounts and statuses as processes of
 * their own, each with HEALTH_PORT, whose `/metrics` move as requests go through them.
 */
describe('/metrics of separate processes', () => {
  const infra = testInfra();
  const prefix = uniqueName('metrics');
  const children: ChildProcess[] = [];
  let databaseUrl: string;
  let origin: string;
  /** Each process's health listener, by process. */
  let health: { gateway: string; accounts: string; statuses: string };

  beforeAll(async () => {
    databaseUrl = await cloneTemplateDatabase(infra);
    const [port, gatewayHealth, accountsHealth, statusesHealth] = await Promise.all(
      [0, 1, 2, 3].map(() => freePort()),
    );
    origin = `http://127.0.0.1:${port}`;
    const at = (healthPort: number): string => `http://127.0.0.1:${healthPort}`;
    health = { gateway: at(gatewayHealth), accounts: at(accountsHealth), statuses: at(statusesHealth) };
    const env = splitSystemEnv({ infra, databaseUrl, port, prefix });
    children.push(
      startProcess('apps/accounts/src/main.ts', { ...env, HEALTH_PORT: String(accountsHealth) }),
      startProcess('apps/statuses/src/main.ts', { ...env, HEALTH_PORT: String(statusesHealth) }),
      startProcess('apps/gateway/src/main.ts', {
        ...env,
        PORT: String(port),
        HEALTH_PORT: String(gatewayHealth),
        OTEL_RESOURCE_ATTRIBUTES: 'k8s.pod.name=gateway-0',
      }),
    );
    await Promise.all([
      until(`${health.accounts}/health/ready`, 60_000),
      until(`${health.statuses}/health/ready`, 60_000),
      until(`${origin}/health/ready`, 60_000),
    ]);
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    if (databaseUrl) await dropDatabase(infra, databaseUrl);
  });

  it('the gateway: HTTP durations by route template and status class, its bus requests, and its probes', async () => {
    const alice = await seedUser({ url: origin, databaseUrl }, { username: 'alice' });
    const scrape = (): Promise<string> => scrapeMetrics(`${health.gateway}/metrics`);
    const verify = 'route="/api/v1/accounts/verify_credentials",method="GET",status_class="2xx"';
    const missing = 'route="/api/v1/statuses/:id",method="GET",status_class="4xx"';
    const http = (labels: string) => `mammut_http_request_duration_seconds_count{${labels}}`;
    const authenticate =
      'mammut_bus_request_duration_seconds_count{side="client",subject="accounts.token.authenticate",outcome="ok"}';
    const before = await scrape();

    const client = createRestAPIClient({ url: origin, accessToken: alice.token });
    await client.v1.accounts.verifyCredentials();
    await client.v1.accounts.verifyCredentials();
    expect((await fetch(`${origin}/api/v1/statuses/1`)).status).toBe(404);

    const after = await scrape();
    expect(count(after, http(verify)) - count(before, http(verify))).toBe(2);
    expect(count(after, http(missing)) - count(before, http(missing))).toBe(1);
    expect(count(after, authenticate) - count(before, authenticate)).toBeGreaterThanOrEqual(2);
    expect(after).toMatch(/^target_info\{.*k8s_pod_name="gateway-0".*service_name="mammut-gateway".*\} 1$/m);
    // The same listener answers the probes, as a service's does.
    expect(await (await fetch(`${health.gateway}/health`)).text()).toBe('OK');
    expect((await fetch(`${health.gateway}/health/ready`)).status).toBe(200);
  });

  it('the services: requests they answered, their outbox backlog and their consumers’ lag', async () => {
    const bob = await seedUser({ url: origin, databaseUrl }, { username: 'bob' });
    const create =
      'mammut_bus_request_duration_seconds_count{side="server",subject="statuses.status.create",outcome="ok"}';
    const before = await scrapeMetrics(`${health.statuses}/metrics`);

    await createRestAPIClient({ url: origin, accessToken: bob.token }).v1.statuses.create({
      status: 'counted',
    });

    const statuses = await scrapeMetrics(`${health.statuses}/metrics`);
    expect(count(statuses, create) - count(before, create)).toBe(1);
    // Relayed at once, so nothing is left owing; read from the statuses schema at the scrape.
    const backlog = await pollUntil(
      async () =>
        metricSample(
          await scrapeMetrics(`${health.statuses}/metrics`),
          'mammut_outbox_backlog{schema="statuses"}',
        ),
      (value) => value === 0,
      10_000,
    );
    expect(backlog).toBe(0);
    // Accounts counts statuses from their events: its durable consumer of them is read, drained.
    const events = streamLayout(prefix).events;
    const lag = await pollUntil(
      async () =>
        (await scrapeMetrics(`${health.accounts}/metrics`))
          .split('\n')
          .filter((line) => line.startsWith(`mammut_jetstream_consumer_pending{stream="${events}",`)),
      (lines) => lines.length > 0 && lines.every((line) => line.endsWith(' 0')),
      10_000,
    );
    expect(lag.length).toBeGreaterThan(0);
    expect(lag.every((line) => line.endsWith(' 0'))).toBe(true);
  });
});
