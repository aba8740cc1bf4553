import { runEntryPoint } from '@mammut/platform/telemetry';

/** The search service alone (one Kubernetes Deployment): answers on NATS, no public HTTP. */
runEntryPoint('search', async (config, log) => (await import('./serve')).serveSearch(config, log));
