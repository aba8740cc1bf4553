/** An entity already rendered to JSON text; the type says which entity the text holds. */
export type JsonText<T> = string & { readonly __entity?: T };

/** What a route answering JsonText declares with `@Header('content-type', …)`. */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/**
 * Renders records to JSON text, remembering the text beside each frozen record. A record served
 * from an in-process cache (TaggedCache) is frozen and stays the same object until a change
 * replaces it, so its text cannot go stale and the hottest answers (verify_credentials) are
 * rendered once per change, not once per request. A record that crossed NATS is a new object each
 * time, or is not frozen, and is simply rendered. Held weakly: a replaced record takes its text
 * along.
 */
export function renderedJson<R extends object, T>(render: (record: R) => T): (record: R) => JsonText<T> {
  const texts = new WeakMap<R, string>();
  return (record) => {
    let text = texts.get(record);
    if (text === undefined) {
      text = JSON.stringify(render(record));
      if (Object.isFrozen(record)) texts.set(record, text);
    }
    return text;
  };
}
