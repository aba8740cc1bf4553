import type { DataSource } from 'typeorm';
import {
  consumersOf,
  type EventConsumeOptions,
  type EventConsumers,
  type EventSubscription,
} from './event-consumers';

/** One durable consumer of a subscriber: its name, its handlers, and how it differs from the defaults. */
export type Subscription = Omit<EventConsumeOptions, 'schema' | 'dataSource'> & {
  readonly handlers: readonly EventSubscription[];
};

/**
 * A projection or reaction fed by events: it names its durable consumers (`subscriptions()`), the
 * base starts them with the service's schema (where handled events are remembered) and stops them,
 * and starts nothing in a process that must not consume (an operator command hosting the service).
 */
export abstract class EventSubscriber {
  private consumers?: EventConsumers;

  protected constructor(
    private readonly subscriberRuntime: Parameters<typeof consumersOf>[0],
    private readonly tables: { readonly schema: string; readonly dataSource: DataSource },
  ) {}

  protected abstract subscriptions(): readonly Subscription[];

  async start(): Promise<void> {
    this.consumers = consumersOf(this.subscriberRuntime);
    if (!this.consumers) return;
    for (const { handlers, ...options } of this.subscriptions())
      await this.consumers.consume({ ...options, ...this.tables }, handlers);
  }

  async stop(): Promise<void> {
    await this.consumers?.stop();
  }
}
