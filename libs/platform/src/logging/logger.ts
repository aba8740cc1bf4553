import pino, { type Logger } from 'pino';

let root: Logger | undefined;

export function initLogging(level: string): Logger {
  root = pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime });
  return root;
}

/** A named child logger (`federation:delivery`). */
export function logger(name: string): Logger {
  root ??= pino({ level: 'info', base: undefined, timestamp: pino.stdTimeFunctions.isoTime });
  return root.child({ name });
}

export type { Logger };
