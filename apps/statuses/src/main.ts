import { runEntryPoint } from '@mammut/platform/telemetry';

/** The statuses service alone (one Kubernetes Deployment): answers on NATS, no public HTTP. */
runEntryPoint('statuses', async (config, log) => (await import('./serve')).serveStatuses(config, log));
