import { Errors } from './errors';
/** Mastodon's lenient booleans: false, 0, "0", "f", "F", "false", "FALSE", "off", "OFF" are false. */
const FALSE = new Set(['false', '0', 'f', 'off', '']);

export function toBool(value: unknown): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'string') return !FALSE.has(value.toLowerCase());
  return true;
}

export function toStr(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** `id=1`, `id[]=1`, `id[0]=1` and JSON arrays all become a list of strings. */
export function toStrList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.flatMap((v) => (toStr(v) !== undefined ? [toStr(v) as string] : []));
  if (typeof value === 'object')
    return Object.values(value as Record<string, unknown>).flatMap((v) => toStrList(v));
  const single = toStr(value);
  return single === undefined ? [] : [single];
}

/** A hash with numeric keys or an array, as Rails sends `fields_attributes`. */
export function toObjectList(value: unknown): Record<string, unknown>[] {
  if (Array.isArray(value))
    return value.filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null);
  if (value && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([, v]) => v)
      .filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null);
  }
  return [];
}

/** `limit`: absent or invalid gives the default, above the maximum is clamped; never an error. */
export function toLimit(value: unknown, defaultLimit: number, max: number): number {
  const parsed = Number.parseInt(toStr(value) ?? '', 10);
  if (!Number.isFinite(parsed) || parsed <= 0) return defaultLimit;
  return Math.min(parsed, max);
}

/** A cursor id: only decimal strings that fit a bigint pass. */
export function toCursor(value: unknown): string | undefined {
  const text = toStr(value);
  if (!text || !/^\d{1,19}$/.test(text)) return undefined;
  return BigInt(text) <= 9223372036854775807n ? text : undefined;
}

export function isId(value: string): boolean {
  return /^\d{1,19}$/.test(value) && BigInt(value) <= 9223372036854775807n;
}

/** An id named in a path: anything but an id is not found (404), as Mastodon answers. */
export function pathId(value: string): string {
  if (!isId(value)) throw Errors.notFound();
  return value;
}
