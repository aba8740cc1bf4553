import { idOf, type Json } from './activity-fields';

/**
 * One kind of verified activity applied: the inbox has parsed it, checked its signature and that
 * its `actor` signed it. `routes` are the keys the handler takes (see routeOf): an activity type
 * (`Follow`), `Verb:EmbeddedType` for the verbs whose meaning depends on their object (`Undo:Follow`,
 * `Update:Note`), the bare verb when the object is named by id alone (`Undo`), and `Delete:Actor`
 * for an actor deleting itself.
 */
export interface InboxHandler {
  readonly routes: readonly string[];
  apply(activity: Json, actorId: string): Promise<void>;
}

/** The InboxHandler list the module provides to the inbox. */
export const INBOX_HANDLERS = Symbol('INBOX_HANDLERS');

/** Verbs whose meaning depends on the object they embed. */
const WRAPPING = new Set(['Undo', 'Accept', 'Reject', 'Update']);

/**
 * The route an activity takes: `Delete:Actor` when an actor deletes itself, `Verb:EmbeddedType`
 * for the wrapping verbs with an embedded typed object, else its type.
 */
export function routeOf(type: string, object: unknown, actorId: string): string {
  if (type === 'Delete' && idOf(object) === actorId) return 'Delete:Actor';
  if (!WRAPPING.has(type) || !object || typeof object !== 'object') return type;
  const inner = (object as { type?: unknown }).type;
  return typeof inner === 'string' ? `${type}:${inner}` : type;
}
