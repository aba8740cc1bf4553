import { createStreamingAPIClient, type mastodon } from 'masto';

/**
 * Streaming clients opened by one spec, closed together at its end: `open(token)` connects to
 * the system at `url()` without retrying, so a refused socket shows as such.
 */
export function streamingClients(url: () => string): {
  open(token: string): mastodon.streaming.Client;
  closeAll(): Promise<void>;
} {
  const clients: mastodon.streaming.Client[] = [];
  return {
    open(token) {
      const client = createStreamingAPIClient({
        streamingApiUrl: url().replace(/^http/, 'ws'),
        accessToken: token,
        retry: false,
      });
      clients.push(client);
      return client;
    },
    async closeAll() {
      for (const client of clients.splice(0)) client.close();
      // The clients' sockets close before the server goes, so masto reports no dropped connection.
      await new Promise((resolve) => setTimeout(resolve, 200));
    },
  };
}

/**
 * Collects a subscription's events from the moment it is made (masto hands an event only to an
 * iterator already waiting for it); `next(count)` takes the next ones, or what came within `ms`.
 */
export function collect(subscription: mastodon.streaming.Subscription): {
  next(count: number, ms?: number): Promise<mastodon.streaming.Event[]>;
  ready(post: () => Promise<mastodon.v1.Status>): Promise<mastodon.streaming.Event[]>;
} {
  const received: mastodon.streaming.Event[] = [];
  void (async () => {
    try {
      for await (const event of subscription.values()) received.push(event);
    } catch {
      // The client was closed: the collection ends.
    }
  })();
  const idOf = (event: mastodon.streaming.Event): string | undefined =>
    event.event === 'update' ? event.payload.id : undefined;
  return {
    async next(count, ms = 5000) {
      const deadline = Date.now() + ms;
      while (received.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      return received.splice(0, count);
    },
    /**
     * A barrier: probes posted now until one arrives on the stream (masto connects and subscribes
     * in the background; events of one stream arrive in order). Answers what came before the
     * probes, and leaves what comes after.
     */
    async ready(post) {
      const probes = new Set<string>();
      const deadline = Date.now() + 10_000;
      let at = -1;
      while (at < 0 && Date.now() < deadline) {
        probes.add((await post()).id);
        for (let waited = 0; waited < 300 && at < 0; waited += 20) {
          await new Promise((r) => setTimeout(r, 20));
          at = received.findIndex((event) => probes.has(idOf(event) ?? ''));
        }
      }
      if (at < 0) throw new Error('the stream never went live');
      // Later probes may still arrive: wait for them all before the test goes on.
      const last = [...probes].at(-1);
      while (!received.some((event) => idOf(event) === last) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      const before = received.splice(0, received.findIndex((event) => idOf(event) === last) + 1);
      return before.filter((event) => !probes.has(idOf(event) ?? ''));
    },
  };
}
