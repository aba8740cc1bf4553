import type { Json } from './activity-fields';

/**
 * One kind of verified activity applied: the inbox has parsed it, checked its signature and that
 * its `actor` signed it. `routes` are the keys the handler takes: an activity type (`Follow`), or
 * for Undo, Accept and Reject with an embedded object `Undo:Follow` (the embedded type after the
 * colon); the same verbs naming their object by id alone come as the bare type (`Undo`).
 */
export interface InboxHandler {
  readonly routes: readonly string[];
  apply(activity: Json, actorId: string): Promise<void>;
}

/** The InboxHandler list the module provides to the inbox. */
export const INBOX_HANDLERS = Symbol('INBOX_HANDLERS');

/** Verbs whose meaning depends on the object they embed. */
const WRAPPING = new Set(['Undo', 'Accept', 'Reject']);

/** The route an activity takes: its type, or `Verb:EmbeddedType` for the wrapping verbs. */
export function routeOf(type: string, object: unknown): string {
  if (!WRAPPING.has(type) || !object || typeof object !== 'object') return type;
  const inner = (object as { type?: unknown }).type;
  return typeof inner === 'string' ? `${type}:${inner}` : type;
}
