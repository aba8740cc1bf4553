import type { Consumer, ConsumerMessages, JetStreamClient, JsMsg, NatsConnection } from 'nats';
import type { Logger } from '../logging/logger';
import { errorText } from './streams';
import { PerConnection } from './per-connection';

export interface PullWorkerOptions {
  readonly stream: string;
  readonly durable: string;
  /**
   * Messages handled at once. 1 keeps the stream's order (except for retried messages). A
   * function is asked before each message: the limit may follow the process's load.
   */
  readonly concurrency: number | (() => number);
  /** Messages pulled ahead of the handler. Kept small: pulled ones wait out ack_wait if we stop. */
  readonly batch: number;
  readonly log: Logger;
}

/**
 * Feeds a durable pull consumer's messages to `handle` with bounded concurrency until stopped.
 * `handle` acks, naks or terms each message itself; the worker only makes sure a message whose
 * handling threw is nak'ed rather than left to time out. The nats client resumes pulling after a
 * reconnect; if its iterator ends anyway (consumer deleted, server gone too long), we start over.
 */
export class PullWorker {
  private readonly js: JetStreamClient;
  private consumer?: Consumer;
  private messages?: ConsumerMessages;
  private readonly inflight = new Set<Promise<void>>();
  private loop?: Promise<void>;
  private stopping = false;

  constructor(
    private readonly nats: NatsConnection,
    private readonly options: PullWorkerOptions,
    private readonly handle: (msg: JsMsg) => Promise<void>,
  ) {
    this.js = nats.jetstream();
  }

  get stream(): string {
    return this.options.stream;
  }

  get durable(): string {
    return this.options.durable;
  }

  /** Resolves once the first pull is open, so a caller knows consumption has begun. */
  async start(): Promise<void> {
    const messages = await this.open();
    this.loop = this.run(messages);
    pulling.add(this.nats, this);
  }

  /** Stops pulling, waits for the messages being handled (they are acked or nak'ed) and returns. */
  async stop(): Promise<void> {
    pulling.delete(this.nats, this);
    this.stopping = true;
    await this.messages?.close().catch(() => undefined);
    await this.loop;
    await Promise.allSettled([...this.inflight]);
  }

  /** Messages of the stream its consumer has not delivered yet (JetStream's `num_pending`). */
  async pending(): Promise<number> {
    const consumer =
      this.consumer ?? (await this.js.consumers.get(this.options.stream, this.options.durable));
    return (await consumer.info()).num_pending;
  }

  private async open(): Promise<ConsumerMessages> {
    this.consumer = await this.js.consumers.get(this.options.stream, this.options.durable);
    this.messages = await this.consumer.consume({ max_messages: this.options.batch });
    return this.messages;
  }

  private async run(first: ConsumerMessages): Promise<void> {
    let messages: ConsumerMessages | undefined = first;
    while (!this.stopping) {
      try {
        messages ??= await this.open();
        for await (const msg of messages) {
          if (this.stopping) {
            // Give it back now rather than after ack_wait.
            msg.nak();
            continue;
          }
          while (this.inflight.size >= this.limit()) await Promise.race(this.inflight);
          this.track(msg);
        }
      } catch (error) {
        this.options.log.warn({ err: errorText(error), durable: this.options.durable }, 'pull failed');
      }
      messages = undefined;
      if (!this.stopping) await new Promise((done) => setTimeout(done, 1000));
    }
  }

  private limit(): number {
    const { concurrency } = this.options;
    return Math.max(1, typeof concurrency === 'number' ? concurrency : concurrency());
  }

  private track(msg: JsMsg): void {
    const work = this.handle(msg).catch((error: unknown) => {
      this.options.log.error({ err: errorText(error), seq: msg.seq }, 'message handling failed');
      msg.nak(1000);
    });
    this.inflight.add(work);
    void work.finally(() => this.inflight.delete(work));
  }
}

/** The workers pulling through each NATS connection: what `/metrics` reads consumer lag from. */
const pulling = new PerConnection<PullWorker>();

/** The workers pulling through `nats` right now. */
export const pullingWorkers = (nats: NatsConnection): readonly PullWorker[] => pulling.on(nats);
