import { context } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';

/**
 * Tells the HTTP instrumentation which route template answered the current request, so the
 * server span is named `GET /api/v1/accounts/:id` (and carries `http.route`) instead of `GET`.
 * Fastify has no working OpenTelemetry instrumentation on this stack; this is the hook express's
 * uses. A no-op when tracing is off.
 */
export function recordHttpRoute(route: string): void {
  const metadata = getRPCMetadata(context.active());
  if (metadata?.type === RPCType.HTTP) metadata.route = route;
}
