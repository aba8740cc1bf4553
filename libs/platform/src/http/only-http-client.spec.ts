import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/*
 * Every outbound byte goes through GuardedHttp (ADR 0016). Mastodon's SSRF fixes kept coming from
 * features that brought their own client (CVE-2026-27477: FASP's base_url), so this test fails as
 * soon as code in apps/ or libs/ opens a connection any other way. A new legitimate use (a server,
 * a local probe) goes in ALLOWED with the reason it never reaches a remote URL.
 */

const ROOT = join(__dirname, '../../../..');
const SCANNED = ['apps', 'libs'];
/** The guarded client itself, and code that only runs inside tests. */
const EXEMPT = [/^libs\/platform\/src\/http\//, /^libs\/testing\//, /\.spec\.ts$/, /\.test-process\.ts$/];

const NETWORK_MODULES = [
  'http',
  'https',
  'http2',
  'net',
  'tls',
  'dgram',
  'undici',
  'axios',
  'got',
  'node-fetch',
  'cross-fetch',
  'ky',
  'superagent',
  'needle',
  'request',
  'ws',
].join('|');

const OUTBOUND_PATTERNS: readonly RegExp[] = [
  // Imports of a network module, static, dynamic or required.
  new RegExp(`(?:from|import|require)\\s*\\(?\\s*['"](?:node:)?(?:${NETWORK_MODULES})(?:/[^'"]*)?['"]`),
  /(?<![.\w$])fetch\s*\(/,
  /\b(?:globalThis|window|self)\.fetch\b/,
  /\bundici\b/,
  /\baxios\b/,
  // node's http.get/https.request; not `this.http.get(...)`, which is how callers use GuardedHttp.
  /(?<![.\w$])https?\.(?:request|get)\s*\(/,
  /\bXMLHttpRequest\b/,
  /\bnew\s+WebSocket\s*\(/,
];

/** Files that match and why none of them reaches a URL from outside. Entries that stop matching fail too. */
const ALLOWED: Readonly<Record<string, string>> = {
  'apps/gateway/src/streaming/streaming.gateway.ts':
    "type-only import of ws's WebSocket: the streaming API's server-side sockets",
  'apps/gateway/src/http/security-headers.ts':
    'type-only import of the incoming request and response from node:http',
  'libs/platform/src/config/config.ts': 'node:net isIP validates configured addresses; nothing is dialled',
  'libs/platform/src/health/health.ts': 'the health endpoint: a server answering probes, not a client',
  'libs/platform/src/metrics/metrics.ts':
    "type-only import of the health listener's request and response: /metrics is served, nothing dialled",
  'libs/platform/src/infra/local-infra.ts':
    'a throwaway node:net server picks free local ports for dev servers',
  'libs/platform/src/infra/servers.ts':
    'probes whether the operator-configured PostgreSQL, Redis and NATS ports are open: fixed local targets',
  'libs/platform/src/events/test-nats-server.ts': 'a NATS server for tests, listening locally',
  'libs/platform/src/telemetry/telemetry.ts':
    "loads OpenTelemetry's undici instrumentation, which traces GuardedHttp; spans go to the operator's OTLP collector",
};

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sources(path);
    return entry.isFile() && /\.(?:ts|mts|cts|js|mjs|cjs)$/.test(entry.name) ? [path] : [];
  });
}

function outboundLines(text: string): string[] {
  return text
    .split('\n')
    .map((line, index) => ({ line, number: index + 1 }))
    .filter(({ line }) => OUTBOUND_PATTERNS.some((pattern) => pattern.test(line)))
    .map(({ line, number }) => `${number}: ${line.trim()}`);
}

describe('the only HTTP client', () => {
  const files = SCANNED.flatMap(sources)
    .map((path) => path.split(sep).join('/'))
    .filter((path) => !EXEMPT.some((pattern) => pattern.test(path)));
  const hits = new Map(
    files
      .map((path) => [path, outboundLines(readFileSync(join(ROOT, path), 'utf8'))] as const)
      .filter(([, lines]) => lines.length > 0),
  );

  it('scans the real tree', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(relative(ROOT, __dirname).split(sep).join('/')).toBe('libs/platform/src/http');
  });

  it('finds no outbound HTTP outside libs/platform/src/http and the allowed, explained uses', () => {
    const unexplained = [...hits].filter(([path]) => !(path in ALLOWED));
    expect(Object.fromEntries(unexplained)).toEqual({});
  });

  it('has no stale allowances', () => {
    expect(Object.keys(ALLOWED).filter((path) => !hits.has(path))).toEqual([]);
  });

  it.each([
    "const answer = await fetch('https://example.com/');",
    'const response = await globalThis.fetch(url);',
    "import { request } from 'undici';",
    "import * as https from 'node:https';",
    "const http = require('http');",
    "const { default: axios } = await import('axios');",
    "import got from 'got';",
    'https.get(url, callback);',
    'http.request({ host });',
    "import WebSocket from 'ws';",
    'new WebSocket(url);',
    "import { connect } from 'node:tls';",
  ])('recognises %s', (line) => {
    expect(outboundLines(line)).toHaveLength(1);
  });

  it.each([
    'const status = await client.v1.statuses.$select(id).fetch();',
    'await this.http.get(url);',
    'const prefetch = (x: number) => x;',
    '// Nothing got through: NATS is away',
  ])('leaves %s alone', (line) => {
    expect(outboundLines(line)).toEqual([]);
  });
});
