/**
 * PostgreSQL stores no NUL (U+0000) in `text`, `varchar` or `jsonb`: a query carrying one fails
 * ("invalid byte sequence for encoding UTF8: 0x00"). Input is checked for it where it enters
 * (the gateway's request input, every bus request) so that such a string never reaches a query.
 */
const NUL = '\u0000';

/**
 * The path of the first string in `value` (a key or a value, at any depth) that PostgreSQL could
 * not store, such as `note` or `fields_attributes.0.name`, or null when there is none. Walks
 * with its own stack, so no nesting depth can overflow the call stack.
 */
export function unstorableTextPath(value: unknown): string | null {
  // Every request is checked and almost none holds a NUL: a walk that allocates nothing first.
  if (!mayHoldNul(value, 0)) return null;
  const stack: Array<[unknown, string, string]> = [[value, '', '']];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [item, path, key] = next;
    if (key.includes(NUL)) return path;
    if (typeof item === 'string') {
      if (item.includes(NUL)) return path || '(value)';
      continue;
    }
    if (typeof item !== 'object' || item === null || item instanceof Uint8Array) continue;
    const entries: Array<[string, unknown]> = Array.isArray(item)
      ? item.map((element, index) => [String(index), element])
      : Object.entries(item);
    // Pushed in reverse, so the first offending field in reading order is the one named.
    for (let i = entries.length - 1; i >= 0; i--) {
      const [name, element] = entries[i];
      stack.push([element, path ? `${path}.${name}` : name, name]);
    }
  }
  return null;
}

/** Nesting past which the quick walk stops and leaves the answer to the full one. */
const QUICK_DEPTH = 16;

/** False when `value` surely holds no NUL in any key or string; true when it may. */
function mayHoldNul(value: unknown, depth: number): boolean {
  if (typeof value === 'string') return value.includes(NUL);
  // Raw bytes (an ActivityStreams body kept for its signature) are not text: whoever reads them
  // decides what is stored.
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return false;
  if (depth > QUICK_DEPTH) return true;
  if (Array.isArray(value)) {
    for (const element of value) if (mayHoldNul(element, depth + 1)) return true;
    return false;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (key.includes(NUL) || mayHoldNul(record[key], depth + 1)) return true;
  }
  return false;
}
