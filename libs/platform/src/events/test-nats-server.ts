import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { ensureServerBinaries, reachable } from '../infra/local-infra';

/**
 * A nats-server (JetStream on disk) owned by one test file, so the file can kill and restart it
 * on the same port and store directory without disturbing the run's shared NATS.
 */
export class TestNatsServer {
  private child?: ChildProcess;
  private output = '';

  private constructor(
    readonly port: number,
    readonly storeDir: string,
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  static async start(storeDir: string): Promise<TestNatsServer> {
    ensureServerBinaries(() => undefined);
    const dir = resolve(storeDir);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const server = new TestNatsServer(await freePort(), dir);
    await server.launch();
    return server;
  }

  /** Stops the server: SIGKILL is a crash (nothing flushed by the server itself), SIGTERM a clean stop. */
  async stop(signal: 'SIGKILL' | 'SIGTERM' = 'SIGTERM'): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    child.kill(signal);
    await exited;
  }

  /** Starts it again on the same port and store: streams, consumers and messages come back. */
  async launch(): Promise<void> {
    if (this.child) return;
    const child = spawn(
      'nats-server',
      ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.storeDir],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin` },
      },
    );
    const collect = (chunk: Buffer): void => {
      this.output = `${this.output}${chunk.toString()}`.slice(-4000);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.child = child;
    const deadline = Date.now() + 15_000;
    while (!(await reachable(this.url, 200))) {
      if (child.exitCode !== null) throw new Error(`nats-server exited: ${this.output}`);
      if (Date.now() > deadline) throw new Error(`nats-server did not start: ${this.output}`);
      await new Promise((done) => setTimeout(done, 50));
    }
  }

  /** Stops the server and removes its store. */
  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.storeDir, { recursive: true, force: true });
  }
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}
