import { runEntryPoint } from '@mammut/platform/telemetry';

/** The timelines service alone (one Kubernetes Deployment): answers on NATS, no public HTTP. */
runEntryPoint('timelines', async (config, log) => (await import('./serve')).serveTimelines(config, log));
