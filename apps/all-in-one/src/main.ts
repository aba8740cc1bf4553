import { runEntryPoint } from '@mammut/platform/telemetry';

/** `npm start`: every service and the gateway in this one process, on local servers when none are configured. */
runEntryPoint('all-in-one', async (config, log) => (await import('./serve')).serveAllInOne(config, log));
