import { runEntryPoint } from '@mammut/platform/telemetry';

/** The media service alone (one Kubernetes Deployment): answers on NATS, works its jobs, no public HTTP. */
runEntryPoint('media', async (config, log) => (await import('./serve')).serveMedia(config, log));
