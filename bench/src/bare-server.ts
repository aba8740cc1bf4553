import Fastify from 'fastify';

/** The baseline: a bare Fastify route answering a small JSON object, on the same core as the system. */
async function main(): Promise<void> {
  const app = Fastify({ logger: false });
  app.get('/bare', () => Promise.resolve({ id: '1', username: 'bench', acct: 'bench', display_name: '' }));
  await app.listen({ port: Number(process.argv[2] ?? 0), host: '127.0.0.1' });
  process.stdout.write('ready\n');
}

void main();
