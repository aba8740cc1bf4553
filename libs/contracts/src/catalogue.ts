import { z } from 'zod';
import type { AnyDef, Namespace } from './define';

/** One declaration found in a namespace, with the key path that reaches it (`accounts.profiles.getAccounts`). */
export interface CatalogueEntry {
  readonly path: string;
  readonly def: AnyDef;
}

const isDef = (value: AnyDef | Namespace): value is AnyDef =>
  typeof (value as AnyDef).kind === 'string' && typeof (value as AnyDef).subject === 'string';

/** Every declaration under a namespace, depth first, in declaration order. */
export function catalogue(namespace: Namespace, prefix = ''): CatalogueEntry[] {
  const entries: CatalogueEntry[] = [];
  for (const [key, value] of Object.entries(namespace)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (isDef(value)) entries.push({ path, def: value });
    else entries.push(...catalogue(value, path));
  }
  return entries;
}

const schemaOf = (schema: z.ZodType): unknown =>
  z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' });

/**
 * The wire shape of every declaration as JSON Schema, keyed by subject: the committed copy
 * (`libs/contracts/contracts.schema.json`) makes a breaking change visible in review.
 */
export function contractsJsonSchema(namespace: Namespace): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const entries = catalogue(namespace).sort((a, b) => a.def.subject.localeCompare(b.def.subject));
  for (const { def } of entries) {
    switch (def.kind) {
      case 'request':
        out[def.subject] = {
          kind: def.kind,
          request: schemaOf(def.request),
          response: schemaOf(def.response),
        };
        break;
      case 'event':
        out[def.subject] = { kind: def.kind, version: def.version, payload: schemaOf(def.payload) };
        break;
      case 'job':
        out[def.subject] = { kind: def.kind, payload: schemaOf(def.payload) };
        break;
    }
  }
  return out;
}
