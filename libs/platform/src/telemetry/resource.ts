import {
  defaultResource,
  detectResources,
  hostDetector,
  processDetector,
  type Resource,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { TelemetryConfig } from '../config/config';

/**
 * What this process is, on every span and metric it exports: the SDK's own attributes, the host
 * and the process, then OTEL_RESOURCE_ATTRIBUTES (where the chart puts the pod, its node and
 * namespace), which win over what was detected. The service name is OTEL_SERVICE_NAME, else a
 * `service.name` among those attributes, else `mammut-<process>`.
 *
 * Built here rather than by NodeSDK's detectors, which would read the environment themselves and
 * let what they detect override what the operator set. Imported only with an SDK that needs it.
 */
export function telemetryResource(config: TelemetryConfig, processName: string): Resource {
  return defaultResource()
    .merge(detectResources({ detectors: [hostDetector, processDetector] }))
    .merge(
      resourceFromAttributes({
        ...config.resourceAttributes,
        [ATTR_SERVICE_NAME]: serviceName(config, processName),
      }),
    );
}

export const serviceName = (config: TelemetryConfig, processName: string): string =>
  config.serviceName ?? config.resourceAttributes[ATTR_SERVICE_NAME] ?? `mammut-${processName}`;
