/** Reading the loosely typed JSON of activities: ids, embedded objects, depth. */

export type Json = Record<string, unknown>;

/** An id-valued property: a string, or an object carrying an `id`. */
export const idOf = (value: unknown): string | undefined =>
  typeof value === 'string'
    ? value
    : value && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'string'
      ? (value as { id: string }).id
      : undefined;

/** An embedded object (not a bare id, not an array), or undefined. */
export const objectOf = (value: unknown): Json | undefined =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;

/** The nesting depth of a JSON value, counted no further than `limit` levels. */
export function depthOf(value: unknown, limit: number): number {
  if (limit < 0 || value === null || typeof value !== 'object') return 0;
  let deepest = 0;
  for (const inner of Object.values(value)) deepest = Math.max(deepest, depthOf(inner, limit - 1));
  return deepest + 1;
}

/** The host (with its port) of an id or URL, or null when it is not one. */
export const hostOfId = (uri: string): string | null => {
  try {
    return new URL(uri).host;
  } catch {
    return null;
  }
};
