import { trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ConfigError, loadConfig } from '../config/config';
import { telemetryResource } from './resource';
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

describe('the trace resource', () => {
  it('names the service after OTEL_SERVICE_NAME, else a service.name among the attributes, else the process', () => {
    const name = (env: Record<string, string>): unknown =>
      telemetryResource(loadConfig(env).telemetry, 'gateway').attributes['service.name'];
    expect(name({})).toBe('mammut-gateway');
    expect(name({ OTEL_RESOURCE_ATTRIBUTES: 'service.name=eu-gateway' })).toBe('eu-gateway');
    expect(
      name({ OTEL_RESOURCE_ATTRIBUTES: 'service.name=eu-gateway', OTEL_SERVICE_NAME: 'mammut-eu-1' }),
    ).toBe('mammut-eu-1');
  });

  // One SDK per test file: the OpenTelemetry API takes a global tracer provider only once.
  it('is on every span: OTEL_RESOURCE_ATTRIBUTES over what was detected', async () => {
    const exporter = new InMemorySpanExporter();
    const processor = new SimpleSpanProcessor(exporter);
    const config = loadConfig({ OTEL_RESOURCE_ATTRIBUTES: 'k8s.pod.name=gateway-7d9f,host.name=node-3' });
    const telemetry = await startTelemetry(config, 'gateway', { spanProcessors: [processor] });
    try {
      trace.getTracer('test').startSpan('probe').end();
      // Exported once the detected host attributes (read asynchronously) are in.
      await processor.forceFlush();
      const [span] = exporter.getFinishedSpans();
      expect(span.resource.attributes).toMatchObject({
        'service.name': 'mammut-gateway',
        'k8s.pod.name': 'gateway-7d9f',
        'host.name': 'node-3',
        'process.pid': process.pid,
      });
    } finally {
      await telemetry.shutdown();
    }
  });
});
