import { runEntryPoint } from '@mammut/platform/telemetry';

/** The moderation service alone (one Kubernetes Deployment): answers on NATS, no public HTTP. */
runEntryPoint('moderation', async (config, log) => (await import('./serve')).serveModeration(config, log));
