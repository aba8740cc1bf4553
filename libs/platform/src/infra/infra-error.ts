/** A local server could not be started, found or stopped; the message says what to do. */
export class InfraError extends Error {}
