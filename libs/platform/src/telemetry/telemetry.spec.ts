import { ConfigError, loadConfig } from '../config/config';
import { startTelemetry } from './telemetry';

describe('tracing configuration', () => {
  it('is off by default, with the standard OTLP endpoint and no service name override', () => {
    expect(loadConfig({}).telemetry).toEqual({
      tracesExporter: 'none',
      otlpEndpoint: 'http://127.0.0.1:4318',
      serviceName: undefined,
      resourceAttributes: {},
    });
  });

  it('reads the standard OpenTelemetry variables', () => {
    const config = loadConfig({
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
      OTEL_SERVICE_NAME: 'mammut-eu-1',
    });
    expect(config.telemetry).toEqual({
      tracesExporter: 'otlp',
      otlpEndpoint: 'http://collector:4318',
      serviceName: 'mammut-eu-1',
      resourceAttributes: {},
    });
  });

  it('reads OTEL_RESOURCE_ATTRIBUTES as the specification writes it: key=value pairs, percent-decoded', () => {
    const config = loadConfig({
      OTEL_RESOURCE_ATTRIBUTES: 'k8s.pod.name=gateway-7d9f, k8s.namespace.name=mammut,note=a%2Cb%3Dc,,',
    });
    expect(config.telemetry.resourceAttributes).toEqual({
      'k8s.pod.name': 'gateway-7d9f',
      'k8s.namespace.name': 'mammut',
      note: 'a,b=c',
    });
  });

  it('refuses OTEL_RESOURCE_ATTRIBUTES it cannot read, naming the pair', () => {
    expect(() => loadConfig({ OTEL_RESOURCE_ATTRIBUTES: 'k8s.pod.name' })).toThrow(
      /OTEL_RESOURCE_ATTRIBUTES: `k8s.pod.name` is not key=value/,
    );
    expect(() => loadConfig({ OTEL_RESOURCE_ATTRIBUTES: '=x' })).toThrow(ConfigError);
    expect(() => loadConfig({ OTEL_RESOURCE_ATTRIBUTES: 'a=%E0%A4%A' })).toThrow(
      /malformed percent-encoding/,
    );
  });

  it('refuses an exporter it cannot start', () => {
    expect(() => loadConfig({ OTEL_TRACES_EXPORTER: 'zipkin' })).toThrow(ConfigError);
  });

  it('starts nothing when off', async () => {
    const telemetry = await startTelemetry(loadConfig({}), 'gateway');
    expect(telemetry.enabled).toBe(false);
    await expect(telemetry.shutdown()).resolves.toBeUndefined();
  });
});
