import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { loadConfig } from '../config/config';
import { TestNatsServer } from '../events/test-nats-server';
import { initLogging } from '../logging/logger';
import { createRuntime } from './runtime';

jest.setTimeout(60_000);

const unusedPort = (): Promise<number> =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 1));
    });
  });

/** Shutdown must finish even when the servers it would say goodbye to are gone. */
describe('runtime shutdown', () => {
  beforeAll(() => initLogging('silent'));

  it('closes within its grace period while NATS is down and Redis was never reachable', async () => {
    const nats = await TestNatsServer.start(`.data/int-runtime-nats-${randomBytes(4).toString('hex')}`);
    try {
      const config = loadConfig({
        NATS_URL: nats.url,
        REDIS_URL: `redis://127.0.0.1:${await unusedPort()}`,
      });
      const runtime = await createRuntime(config, 'shutdown-test');
      await nats.stop('SIGKILL');
      const started = Date.now();
      await runtime.close();
      expect(Date.now() - started).toBeLessThan(8_000);
    } finally {
      await nats.destroy();
    }
  });
});
