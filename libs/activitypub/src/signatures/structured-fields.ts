import { types } from 'node:util';
import * as sf from 'structured-headers';

/*
 * RFC 8941 structured fields through `structured-headers`, seen through plain types. The package
 * types its values with the DOM's `BufferSource`, which this Node-only tree does not declare, so
 * its values would reach our code as unchecked `any`; here they are read as `unknown` and
 * narrowed once.
 */

/** A bare item as we use it: byte sequences as Buffers, tokens and other types as `unknown`. */
export type BareValue = string | number | boolean | Buffer | { readonly other: unknown };

export interface SfItem {
  readonly kind: 'item';
  readonly value: BareValue;
  readonly params: ReadonlyMap<string, BareValue>;
}

export interface SfInnerList {
  readonly kind: 'list';
  readonly items: readonly SfItem[];
  readonly params: ReadonlyMap<string, BareValue>;
  /** The member serialized as RFC 8941 says, which is what a signature base uses. */
  readonly serialized: string;
}

const bare = (value: unknown): BareValue => {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (types.isArrayBuffer(value)) return Buffer.from(value);
  return { other: value };
};

const params = (raw: unknown): Map<string, BareValue> =>
  new Map(
    [...(raw as Map<string, unknown>)].map(([name, value]): [string, BareValue] => [name, bare(value)]),
  );

const item = (raw: unknown): SfItem => {
  const [value, itemParams] = raw as [unknown, unknown];
  return { kind: 'item', value: bare(value), params: params(itemParams) };
};

/** Parses a dictionary header; throws on anything that is not one. */
export function parseDictionary(text: string): ReadonlyMap<string, SfItem | SfInnerList> {
  const parsed = new Map<string, SfItem | SfInnerList>();
  for (const [name, member] of sf.parseDictionary(text) as Map<string, unknown>) {
    const [first, memberParams] = member as [unknown, unknown];
    parsed.set(
      name,
      Array.isArray(first)
        ? {
            kind: 'list',
            items: first.map(item),
            params: params(memberParams),
            serialized: sf.serializeInnerList(member as sf.InnerList),
          }
        : item(member),
    );
  }
  return parsed;
}

/** Serializes an inner list of strings with string or integer parameters, as a signer writes it. */
export function serializeInnerList(
  items: readonly string[],
  listParams: ReadonlyMap<string, string | number>,
): string {
  const members = items.map((value) => sf.serializeString(value)).join(' ');
  const suffix = [...listParams]
    .map(
      ([name, value]) =>
        `;${name}=${typeof value === 'number' ? sf.serializeInteger(value) : sf.serializeString(value)}`,
    )
    .join('');
  return `(${members})${suffix}`;
}

export const serializeString = (value: string): string => sf.serializeString(value);
