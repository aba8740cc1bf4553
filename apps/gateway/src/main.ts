import { runEntryPoint } from '@mammut/platform/telemetry';

/** The gateway alone (one Kubernetes Deployment): public HTTP, every service reached over NATS. */
runEntryPoint('gateway', async (config, log) => (await import('./serve')).serveGateway(config, log));
