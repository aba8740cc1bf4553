import type { NatsConnection } from 'nats';

/**
 * What is running on each NATS connection, that is in each process (or each system a test runs):
 * `/metrics` reads the outbox backlog and consumer lag from these at a scrape, without every
 * service handing its relays and workers over. Weakly held: a closed connection takes its set.
 */
export class PerConnection<T> {
  private readonly sets = new WeakMap<NatsConnection, Set<T>>();

  add(nats: NatsConnection, item: T): void {
    let items = this.sets.get(nats);
    if (!items) this.sets.set(nats, (items = new Set()));
    items.add(item);
  }

  delete(nats: NatsConnection, item: T): void {
    this.sets.get(nats)?.delete(item);
  }

  /** Those running on `nats` right now. */
  on(nats: NatsConnection): readonly T[] {
    return [...(this.sets.get(nats) ?? [])];
  }
}
