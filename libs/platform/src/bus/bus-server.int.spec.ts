import 'reflect-metadata';
import { ContractError, defineHandlers, defineRequest, type Namespace } from '@mammut/contracts';
import { testInfra, uniqueName } from '@mammut/testing';
import { Injectable, Module, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { INestMicroservice } from '@nestjs/common';
import { connect, type NatsConnection } from 'nats';
import { lastValueFrom } from 'rxjs';
import { z } from 'zod';
import { initLogging } from '../logging/logger';
import { Bus } from './bus';
import { busController, type HandlerSource } from './bus-controller';
import { BusHandlersError, BusServer } from './bus-server';
import { LocalHandlers } from './local-handlers';

jest.setTimeout(30_000);

const notes = {
  get: defineRequest('notes.note.get', {
    request: z.object({
      id: z.string().regex(/^\d+$/),
      fail: z.enum(['none', 'not_found', 'crash']).default('none'),
    }),
    response: z.object({ id: z.string(), text: z.string(), servedBy: z.string() }),
  }),
  slow: defineRequest('notes.note.slow', {
    request: z.object({ ms: z.number().int().max(5000) }),
    response: z.object({ waited: z.number() }),
  }),
};
const other = {
  ping: defineRequest('other.thing.ping', {
    request: z.object({}),
    response: z.object({ pong: z.boolean() }),
  }),
};

interface NotesState extends HandlerSource<typeof notes> {
  readonly calls: number;
  /** Settles when a `slow` request has reached its handler. */
  readonly slowStarted: Promise<void>;
}

/** Handlers of `notes`, counting what reached them (bad input must not). */
function notesHandlers(servedBy: string): Type<NotesState> {
  @Injectable()
  class NotesHandlers implements NotesState {
    calls = 0;
    private markSlowStarted: () => void = () => undefined;
    readonly slowStarted = new Promise<void>((done) => (this.markSlowStarted = done));
    readonly bound = defineHandlers(notes, {
      get: ({ id, fail }) => {
        this.calls += 1;
        if (fail === 'not_found') return Promise.reject(new ContractError('not_found', 'No such note'));
        if (fail === 'crash') return Promise.reject(new Error('disk on fire'));
        return Promise.resolve({ id, text: 'hello', servedBy });
      },
      slow: async ({ ms }) => {
        this.markSlowStarted();
        await new Promise((done) => setTimeout(done, ms));
        return { waited: ms };
      },
    });
  }
  return NotesHandlers;
}

@Injectable()
class OtherHandlers {
  readonly bound = defineHandlers(other, { ping: () => Promise.resolve({ pong: true }) });
}

interface Service {
  readonly app: INestMicroservice;
  readonly local: LocalHandlers;
  readonly handlers: NotesState;
}

/**
 * One service process as Nest runs it: a module whose controllers are `busController`s, served by
 * a BusServer on real NATS for the namespaces in `serves`.
 */
async function startService(
  nats: NatsConnection,
  prefix: string,
  controllers: Type[],
  providers: Type[],
  serves: Namespace[],
): Promise<Service> {
  @Module({ controllers, providers })
  class ServiceModule {}
  const local = new LocalHandlers();
  const app = await NestFactory.createMicroservice(ServiceModule, {
    strategy: new BusServer({ nats, prefix, local, serves }),
    logger: false,
  });
  await app.listen();
  const handlers = app.get<Type, NotesState>(providers[0]);
  return { app, local, handlers };
}

describe('BusServer: the bus as a Nest transport on real NATS', () => {
  let nats: NatsConnection;
  let prefix: string;
  const started: INestMicroservice[] = [];

  beforeAll(async () => {
    initLogging('silent');
    nats = await connect({ servers: testInfra().natsUrl });
  });
  beforeEach(() => {
    prefix = uniqueName('bus');
  });
  afterEach(async () => {
    for (const app of started.splice(0)) await app.close().catch(() => undefined);
  });
  afterAll(async () => {
    await nats.drain();
  });

  async function notesService(servedBy = 'a'): Promise<Service> {
    const Handlers = notesHandlers(servedBy);
    const service = await startService(nats, prefix, [busController(notes, Handlers)], [Handlers], [notes]);
    started.push(service.app);
    return service;
  }

  const remoteCaller = (): Bus => new Bus(nats, { prefix, timeoutMs: 2000, inProcess: false });

  describe.each([
    ['over NATS', false],
    ['in process', true],
  ])('answers %s', (_label, inProcess) => {
    let service: Service;
    let bus: Bus;
    beforeEach(async () => {
      service = await notesService();
      bus = inProcess
        ? new Bus(nats, { prefix, timeoutMs: 2000, inProcess: true }, service.local)
        : remoteCaller();
    });

    it('with the handler’s typed response', async () => {
      await expect(bus.request(notes.get, { id: '7' })).resolves.toEqual({
        id: '7',
        text: 'hello',
        servedBy: 'a',
      });
      expect(service.handlers.calls).toBe(1);
    });

    it('refuses input that does not match the declaration before any handler runs', async () => {
      const sent = bus.request(notes.get, { id: 'seven' } as never);
      await expect(sent).rejects.toBeInstanceOf(ContractError);
      await expect(sent).rejects.toMatchObject({ code: 'invalid_request' });
      expect(service.handlers.calls).toBe(0);
    });

    it('passes a contract error through with its code, and hides a crash behind `internal`', async () => {
      await expect(bus.request(notes.get, { id: '7', fail: 'not_found' })).rejects.toMatchObject({
        code: 'not_found',
        message: 'No such note',
      });
      await expect(bus.request(notes.get, { id: '7', fail: 'crash' })).rejects.toMatchObject({
        code: 'internal',
        message: 'Internal error',
      });
    });

    it('answers Nest’s untyped send() as well', async () => {
      await expect(lastValueFrom(bus.send('notes.note.get', { id: '8' }))).resolves.toEqual({
        id: '8',
        text: 'hello',
        servedBy: 'a',
      });
    });
  });

  it('shares requests between replicas in one queue group, each answered once', async () => {
    const a = await notesService('a');
    const b = await notesService('b');
    const bus = remoteCaller();
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => bus.request(notes.get, { id: String(i) })),
    );
    expect(answers.map((answer) => answer.id)).toEqual(Array.from({ length: 40 }, (_, i) => String(i)));
    expect(a.handlers.calls + b.handlers.calls).toBe(40);
    expect(a.handlers.calls).toBeGreaterThan(0);
    expect(b.handlers.calls).toBeGreaterThan(0);
  });

  it('finishes the requests in progress when Nest closes it, then answers nobody (503)', async () => {
    const service = await notesService();
    const bus = remoteCaller();
    const inFlight = bus.request(notes.slow, { ms: 300 });
    await service.handlers.slowStarted;
    const closing = service.app.close();
    started.splice(started.indexOf(service.app), 1);
    await expect(inFlight).resolves.toEqual({ waited: 300 });
    await closing;
    await expect(bus.request(notes.get, { id: '1' })).rejects.toMatchObject({ code: 'unavailable' });
  });

  describe('refuses to start when its handlers do not match its contracts', () => {
    const refusal = async (controllers: Type[], providers: Type[], serves: Namespace[]): Promise<unknown> => {
      try {
        const service = await startService(nats, prefix, controllers, providers, serves);
        started.push(service.app);
        return undefined;
      } catch (error) {
        return error;
      }
    };

    it('a request of the namespace without a handler', async () => {
      const error = await refusal([busController(other, OtherHandlers)], [OtherHandlers], [other, notes]);
      expect(error).toBeInstanceOf(BusHandlersError);
      expect((error as Error).message).toContain('no handler for notes.note.get');
      expect((error as Error).message).toContain('no handler for notes.note.slow');
    });

    it('two handlers for one request', async () => {
      const Handlers = notesHandlers('a');
      const error = await refusal(
        [busController(notes, Handlers), busController(notes, Handlers)],
        [Handlers],
        [notes],
      );
      expect(error).toBeInstanceOf(BusHandlersError);
      expect((error as Error).message).toContain('more than one handler for notes.note.get');
    });

    it('a handler for a subject the service does not declare', async () => {
      const Handlers = notesHandlers('a');
      const error = await refusal(
        [busController(notes, Handlers), busController(other, OtherHandlers)],
        [Handlers, OtherHandlers],
        [notes],
      );
      expect(error).toBeInstanceOf(BusHandlersError);
      expect((error as Error).message).toContain('a handler for undeclared other.thing.ping');
    });
  });
});
