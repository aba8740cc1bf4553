import { runEntryPoint } from '@mammut/platform/telemetry';

/** The accounts service alone (one Kubernetes Deployment): answers on NATS, no public HTTP. */
runEntryPoint('accounts', async (config, log) => (await import('./serve')).serveAccounts(config, log));
