import pino, { type Logger } from 'pino';

let root: Logger | undefined;
let generation = 0;

const rootLogger = (): Logger =>
  (root ??= pino({ level: 'info', base: undefined, timestamp: pino.stdTimeFunctions.isoTime }));

export function initLogging(level: string): Logger {
  root = pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime });
  generation += 1;
  return root;
}

/**
 * A named child logger (`federation:delivery`). Modules create theirs at load time, before the
 * process has read its configuration, so the child is bound to the root lazily and re-bound when
 * `initLogging` replaces the root (the configured level then holds everywhere).
 */
export function logger(name: string): Logger {
  let child: Logger | undefined;
  let boundTo = -1;
  const current = (): Logger => {
    if (!child || boundTo !== generation) {
      child = rootLogger().child({ name });
      boundTo = generation;
    }
    return child;
  };
  return new Proxy({} as Logger, {
    get(_target, property) {
      const target = current();
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

export type { Logger };
