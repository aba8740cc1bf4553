let active = false;

/**
 * Whether this process records spans. When it does not (the default), code that makes spans by
 * hand, such as the bus on every request, skips that bookkeeping instead of feeding the no-op API.
 */
export const tracingActive = (): boolean => active;

/** Called once a tracer provider that records is registered (startTelemetry, or a test's own). */
export const markTracingActive = (): void => {
  active = true;
};
