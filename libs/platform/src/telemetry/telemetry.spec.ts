import { ConfigError, loadConfig } from '../config/config';
import { startTelemetry } from './telemetry';

describe('tracing configuration', () => {
  it('is off by default, with the standard OTLP endpoint and no service name override', () => {
    expect(loadConfig({}).telemetry).toEqual({
      tracesExporter: 'none',
      otlpEndpoint: 'http://127.0.0.1:4318',
      serviceName: undefined,
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
    });
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
