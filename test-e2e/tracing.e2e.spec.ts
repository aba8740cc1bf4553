import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { seedUser } from './support/factories';
import type { ChildMessage, ParentMessage, SpanRecord } from './support/traced-system';

jest.setTimeout(60_000);

/**
 * One API request traced across gateway → NATS → accounts → PostgreSQL. The system runs in a
 * child process (support/traced-system.ts) because the instrumentations patch modules through
 * Node's `require`, which jest's module registry bypasses; the child hands its finished spans
 * back over IPC.
 */
class TracedSystem {
  private constructor(private readonly child: ChildProcess) {}

  static async start(): Promise<{ traced: TracedSystem; ready: Extract<ChildMessage, { type: 'ready' }> }> {
    const child = fork(join(__dirname, 'support', 'traced-system.ts'), [], {
      execArgv: ['-r', join(__dirname, 'support', 'swc-register.js')],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const traced = new TracedSystem(child);
    const first = await traced.next();
    if (first.type !== 'ready') throw new Error(`traced system did not start: ${JSON.stringify(first)}`);
    return { traced, ready: first };
  }

  private next(): Promise<ChildMessage> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`traced system exited (${code})`));
      this.child.once('exit', onExit);
      this.child.once('message', (message: ChildMessage) => {
        this.child.off('exit', onExit);
        resolve(message);
      });
    });
  }

  private tell(message: ParentMessage): void {
    this.child.send(message);
  }

  /** The finished spans of one trace, once `done` holds for them (spans end around the response). */
  async trace(traceId: string, done: (spans: SpanRecord[]) => boolean): Promise<SpanRecord[]> {
    let spans: SpanRecord[] = [];
    for (let attempt = 0; attempt < 50; attempt += 1) {
      this.tell({ type: 'spans' });
      const reply = await this.next();
      if (reply.type !== 'spans') throw new Error(`unexpected ${reply.type}`);
      spans = reply.spans.filter((span) => span.traceId === traceId);
      if (done(spans)) return spans;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return spans;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.tell({ type: 'stop' });
    await exited;
  }
}

const one = (spans: SpanRecord[], what: string, match: (span: SpanRecord) => boolean): SpanRecord => {
  const found = spans.filter(match);
  if (found.length !== 1) {
    throw new Error(`expected one ${what}, found ${found.length} in ${spans.map((s) => s.name).join(', ')}`);
  }
  return found[0];
};

/** The span's ancestors, nearest first, as far as the trace's spans reach. */
const ancestors = (spans: SpanRecord[], span: SpanRecord): SpanRecord[] => {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const chain: SpanRecord[] = [];
  for (let parent = byId.get(span.parentSpanId ?? ''); parent; parent = byId.get(parent.parentSpanId ?? '')) {
    chain.push(parent);
  }
  return chain;
};

describe('tracing: one API request across gateway, NATS, accounts and PostgreSQL', () => {
  let traced: TracedSystem;
  let url: string;
  let databaseUrl: string;
  let natsPrefix: string;

  beforeAll(async () => {
    const started = await TracedSystem.start();
    traced = started.traced;
    ({ url, databaseUrl, natsPrefix } = started.ready);
  });

  afterAll(async () => {
    await traced?.stop();
  });

  it('continues the caller trace into the HTTP span, a bus client span, its NATS server span and its queries', async () => {
    const user = await seedUser({ url, databaseUrl }, { username: 'tracy' });
    // The caller's own trace: the gateway must continue it rather than start another.
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const response = await fetch(`${url}/api/v1/accounts/verify_credentials`, {
      headers: { authorization: `Bearer ${user.token}`, traceparent: `00-${traceId}-${callerSpanId}-01` },
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { username: string }).username).toBe('tracy');

    const spans = await traced.trace(traceId, (found) =>
      found.some((s) => s.kind === SpanKind.SERVER && s.scope === '@opentelemetry/instrumentation-http'),
    );

    const http = one(spans, 'HTTP server span', (s) => s.scope === '@opentelemetry/instrumentation-http');
    expect(http.name).toBe('GET /api/v1/accounts/verify_credentials');
    expect(http.kind).toBe(SpanKind.SERVER);
    expect(http.parentSpanId).toBe(callerSpanId);
    expect(http.parentIsRemote).toBe(true);
    expect(http.attributes['http.route']).toBe('/api/v1/accounts/verify_credentials');
    expect(http.attributes['http.response.status_code']).toBe(200);
    expect(http.attributes['url.path']).toBe('/api/v1/accounts/verify_credentials');

    const subject = 'accounts.credentials.get';
    const client = one(
      spans,
      `bus client span ${subject}`,
      (s) => s.name === subject && s.kind === SpanKind.CLIENT,
    );
    expect(client.parentSpanId).toBe(http.spanId);
    expect(client.scope).toBe('@mammut/platform/bus');
    expect(client.attributes).toMatchObject({
      'messaging.system': 'nats',
      'messaging.destination.name': `${natsPrefix}.${subject}`,
      'messaging.operation.type': 'send',
    });
    expect(client.status.code).toBe(SpanStatusCode.UNSET);

    const server = one(
      spans,
      `bus server span ${subject}`,
      (s) => s.name === subject && s.kind === SpanKind.SERVER,
    );
    expect(server.parentSpanId).toBe(client.spanId);
    // Remote: the context came through the NATS headers, not through this process's async context.
    expect(server.parentIsRemote).toBe(true);
    expect(server.attributes).toMatchObject({
      'messaging.system': 'nats',
      'messaging.destination.name': `${natsPrefix}.${subject}`,
      'messaging.operation.type': 'process',
    });

    // pg-pool.connect and the handler's SELECT both hang under the SERVER span: the handler's
    // queries joined the trace that came over NATS.
    const query = one(
      spans,
      'query of the credentials',
      (s) =>
        s.scope === '@opentelemetry/instrumentation-pg' &&
        s.name.startsWith('pg.query:') &&
        s.parentSpanId === server.spanId,
    );
    expect(query.kind).toBe(SpanKind.CLIENT);
    expect(ancestors(spans, query).map((a) => a.spanId)).toEqual([server.spanId, client.spanId, http.spanId]);
    expect(query.attributes['db.system.name']).toBe('postgresql');
    expect(query.attributes['db.namespace']).toBe(new URL(databaseUrl).pathname.slice(1));
    expect(String(query.attributes['db.query.text'])).toMatch(
      /FROM accounts\.accounts a JOIN accounts\.users u/,
    );
    expect(query.attributes['db.query.parameter.0']).toBeUndefined();

    // The token check before the handler is a request of its own in the same trace.
    const auth = one(
      spans,
      'token check',
      (s) => s.name === 'accounts.token.authenticate' && s.kind === SpanKind.CLIENT,
    );
    expect(auth.parentSpanId).toBe(http.spanId);
  });
});
