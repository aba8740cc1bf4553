import { runEntryPoint } from '@mammut/platform/telemetry';

/** The federation service alone (one Kubernetes Deployment): answers on NATS, no public HTTP. */
runEntryPoint('federation', async (config, log) => (await import('./serve')).serveFederation(config, log));
