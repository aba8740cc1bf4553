import { type ChildProcess, spawn } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cloneTemplateDatabase, dropDatabase, freePort, testInfra, uniqueName } from '@mammut/testing';
import { createRestAPIClient } from 'masto';
import { pollUntil } from '../test-e2e/support/poll';
import { registerAndSignIn } from '../test-e2e/support/oauth';
import {
  type Container,
  DEFAULT_VALUES,
  type K8sObject,
  mammutDeployments,
  ofKind,
  renderChart,
  type Workload,
} from './support/chart';
import { productionCopy } from './support/production-copy';

jest.setTimeout(600_000);

/** The uid and gid the image runs as (its USER, the chart's runAsUser). */
const IMAGE_USER = 10001;
const asImageUser = process.getuid?.() === 0;

interface Secret extends K8sObject {
  readonly data?: Readonly<Record<string, string>>;
  readonly stringData?: Readonly<Record<string, string>>;
}

/** A container of the render run as the image would run it: its command, its env, its ports. */
interface Launch {
  readonly name: string;
  readonly argv: readonly string[];
  readonly env: Record<string, string>;
  /** The container's port names to the ports this test gave them. */
  readonly ports: ReadonlyMap<string, number>;
}

/**
 * The chart's renders run for real, without a cluster: what the image holds (built, then
 * `npm ci --omit=dev`, read-only to the user the image runs as), the migration Job's command, then
 * every Deployment's init container and container with the env the chart gives it (the servers it
 * names pointed at this test's PostgreSQL, Redis and NATS; each port moved to a free one, as pods
 * each have their own), as uid 10001. Each must pass its rendered probes, a user signs in through
 * the gateway, and SIGTERM stops each within the grace period.
 */
describe('the chart’s processes', () => {
  const infra = testInfra();
  const children = new Map<string, ChildProcess>();
  let copy: string;
  let media: string;
  let databaseUrl: string;
  let objects: K8sObject[];
  /** One system: its processes share a bus and a Redis namespace of their own. */
  const prefix = uniqueName('smoke');

  beforeAll(async () => {
    copy = productionCopy();
    media = mkdtempSync(join(tmpdir(), 'mammut-media-'));
    if (asImageUser) chownSync(media, IMAGE_USER, IMAGE_USER);
    // An empty database, as an install finds it.
    databaseUrl = await cloneTemplateDatabase({ ...infra, templateDatabase: 'template0' });
    objects = renderChart([...DEFAULT_VALUES]);
  });

  afterAll(async () => {
    for (const child of children.values()) child.kill('SIGKILL');
    if (databaseUrl) await dropDatabase(infra, databaseUrl);
    for (const dir of [copy, media]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const secrets = (): Map<string, Readonly<Record<string, string>>> =>
    new Map(
      ofKind<Secret>(objects, 'Secret').map((secret) => [
        secret.metadata.name,
        {
          ...Object.fromEntries(
            Object.entries(secret.data ?? {}).map(([key, value]) => [
              key,
              Buffer.from(value, 'base64').toString('utf8'),
            ]),
          ),
          ...secret.stringData,
        },
      ]),
    );

  /** The container's env as the kubelet would give it, then pointed at this test's servers. */
  async function launch(name: string, container: Container): Promise<Launch> {
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', NODE_ENV: 'production' };
    const bySecret = secrets();
    for (const variable of container.env ?? []) {
      const ref = variable.valueFrom?.secretKeyRef;
      const field = variable.valueFrom?.fieldRef?.fieldPath;
      if (variable.value !== undefined) env[variable.name] = variable.value;
      else if (ref) env[variable.name] = bySecret.get(ref.name)?.[ref.key] ?? '';
      else if (field) env[variable.name] = field === 'metadata.name' ? `${name}-0` : 'smoke';
    }
    const ports = new Map<string, number>();
    for (const port of container.ports ?? []) ports.set(port.name, await freePort());
    Object.assign(env, {
      DATABASE_URL: databaseUrl,
      REDIS_URL: infra.redisUrl,
      NATS_URL: infra.natsUrl,
      NATS_PREFIX: prefix,
      REDIS_PREFIX: `${prefix}:`,
      MEDIA_ROOT: media,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    });
    if (ports.has('http')) env.PORT = String(ports.get('http'));
    if (ports.has('health')) env.HEALTH_PORT = String(ports.get('health'));
    return { name, argv: [...(container.command ?? []), ...(container.args ?? [])], env, ports };
  }

  /** Runs it from the copy, as the image's user; resolves with its exit code. */
  function start(run: Launch): { child: ChildProcess; exited: Promise<number | null> } {
    const [command, ...args] = run.argv;
    const child = spawn(command === 'node' ? process.execPath : command, args, {
      cwd: copy,
      env: run.env,
      stdio: ['ignore', 'ignore', 'pipe'],
      ...(asImageUser ? { uid: IMAGE_USER, gid: IMAGE_USER } : {}),
    });
    children.set(run.name, child);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    const exited = new Promise<number | null>((done) =>
      child.once('exit', (code) => {
        children.delete(run.name);
        if (code !== 0) process.stderr.write(`${run.name} exited ${code}:\n${stderr}\n`);
        done(code);
      }),
    );
    return { child, exited };
  }

  const probeUrl = (run: Launch, probe: Container['readinessProbe']): string => {
    const get = probe?.httpGet;
    if (!get) throw new Error(`${run.name}: no httpGet probe`);
    const port = typeof get.port === 'number' ? get.port : run.ports.get(get.port);
    return `http://127.0.0.1:${port}${get.path}`;
  };

  /** What `promise` gives within `ms`, else `late` (the timer cleared either way). */
  async function within<T, L>(promise: Promise<T>, ms: number, late: L): Promise<T | L> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<L>((done) => (timer = setTimeout(done, ms, late)));
    try {
      return await Promise.race([promise, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  const answers = (url: string): Promise<boolean> =>
    fetch(url).then(
      (response) => response.ok,
      () => false,
    );

  it('migrates, starts every Deployment on its probes, signs a user in, and stops on SIGTERM', async () => {
    const deployments = mammutDeployments(objects);
    const [job] = ofKind<Workload>(objects, 'Job').filter(
      (object) => object.metadata.labels?.['app.kubernetes.io/component'] === 'db-migrate',
    );

    // An init container waits while the schema is behind…
    const [first] = deployments;
    const [init] = first.spec.template.spec.initContainers ?? [];
    expect(init.args).toEqual(['db', 'status', '--wait']);
    const waiting = start(await launch('wait-for-schema', init));
    const early = await within(waiting.exited, 3000, 'waiting');
    expect(early).toBe('waiting');

    // …the migration Job's command brings it up to date, and the wait ends.
    const migrate = start(await launch('db-migrate', job.spec.template.spec.containers[0]));
    expect(await migrate.exited).toBe(0);
    expect(await waiting.exited).toBe(0);

    // Every Deployment's container, on its rendered probes.
    const running: { run: Launch; container: Container; exited: Promise<number | null> }[] = [];
    for (const deployment of deployments) {
      const [container] = deployment.spec.template.spec.containers;
      const run = await launch(deployment.metadata.name, container);
      running.push({ run, container, exited: start(run).exited });
    }
    for (const { run, container } of running) {
      for (const probe of [container.startupProbe, container.livenessProbe, container.readinessProbe]) {
        const url = probeUrl(run, probe);
        expect([run.name, url, await pollUntil(() => answers(url), Boolean, 120_000, 500)]).toEqual([
          run.name,
          url,
          true,
        ]);
      }
    }

    // A user signs up and in through the gateway, as an app would.
    const gateway = running.find(({ run }) => run.ports.has('http'));
    if (!gateway) throw new Error('no gateway');
    const url = `http://127.0.0.1:${gateway.run.ports.get('http')}`;
    const user = await registerAndSignIn(url, { username: 'smoke' });
    const me = await createRestAPIClient({ url, accessToken: user.token }).v1.accounts.verifyCredentials();
    expect(me.username).toBe('smoke');

    // SIGTERM: each process drains and exits within the grace period the chart gives it.
    const grace = (first.spec.template.spec as { terminationGracePeriodSeconds?: number })
      .terminationGracePeriodSeconds;
    expect(grace).toBeGreaterThan(0);
    const stopped = await Promise.all(
      running.map(async ({ run, exited }) => {
        const started = Date.now();
        children.get(run.name)?.kill('SIGTERM');
        const code = await within(exited, (grace ?? 30) * 1000, 'killed');
        return { name: run.name, code, withinGrace: Date.now() - started < (grace ?? 30) * 1000 };
      }),
    );
    expect(stopped).toEqual(running.map(({ run }) => ({ name: run.name, code: 0, withinGrace: true })));
  });
});
