import { Client, errors, Transport, type TransportOptions } from '@elastic/elasticsearch';
import type { SearchConfig } from '@mammut/platform';

export const ELASTICSEARCH = Symbol('ELASTICSEARCH');

export type ElasticsearchSettings = NonNullable<SearchConfig['elasticsearch']>;

/**
 * The client's transport, speaking plain JSON and accepting any server. The 8.x client hard-codes
 * two things into its transport that only Elastic's servers accept: a product check (a 2xx answer
 * without `x-elastic-product: Elasticsearch` throws ProductNotSupportedError) and vendored media
 * types (`application/vnd.elasticsearch+json; compatible-with=8`, which OpenSearch answers with
 * 406). Both are transport options, and `Transport` is the documented client option to replace the
 * transport class, so this subclass drops them; Elasticsearch itself takes plain JSON as well.
 */
export class PlainJsonTransport extends Transport {
  constructor(options: TransportOptions) {
    super({ ...options, productCheck: undefined, vendoredHeaders: undefined });
  }
}

/** A client of the configured Elasticsearch or OpenSearch (ELASTICSEARCH_URL, ES_USER, ES_PASS). */
export function createElasticsearchClient(settings: ElasticsearchSettings): Client {
  return new Client({
    node: settings.url,
    auth:
      settings.username !== undefined
        ? { username: settings.username, password: settings.password ?? '' }
        : undefined,
    Transport: PlainJsonTransport,
    // An outage fails the event (it is retried later) rather than holding the consumer for long.
    requestTimeout: 30_000,
    maxRetries: 2,
  });
}

/** A 4xx from the server about the request itself (a document it refuses), not an outage. */
export function isRejection(error: unknown): boolean {
  return (
    error instanceof errors.ResponseError &&
    error.statusCode !== undefined &&
    error.statusCode >= 400 &&
    error.statusCode < 500 &&
    error.statusCode !== 408 &&
    error.statusCode !== 429
  );
}

export function isNotFound(error: unknown): boolean {
  return error instanceof errors.ResponseError && error.statusCode === 404;
}
