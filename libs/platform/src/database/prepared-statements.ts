import { createHash } from 'node:crypto';
import { Client } from 'pg';

/** Statements a connection keeps prepared at most; past it, new texts go unnamed as before. */
const PER_CONNECTION = 2000;
/** Texts longer than this (a generated bulk insert) are not worth keeping. */
const MAX_TEXT = 16_000;
/** Names remembered for texts, across connections; past it, hashing decides each time. */
const MEMO_MAX = 10_000;

const memo = new Map<string, string>();

/** A stable name for a statement text (64 bits of its SHA-1: collisions are not a concern). */
export function statementName(text: string): string {
  let name = memo.get(text);
  if (name === undefined) {
    name = `m${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
    if (memo.size < MEMO_MAX) memo.set(text, name);
  }
  return name;
}

interface NamedStatements {
  readonly parsedStatements: Record<string, string>;
  readonly submittedNamedStatements: Record<string, string>;
}

/** Whether `name` is prepared on this connection already, or there is room to prepare it. */
function preparable(client: Client, name: string): boolean {
  const { connection } = client as unknown as { connection: NamedStatements };
  if (connection.parsedStatements[name] !== undefined) return true;
  if (connection.submittedNamedStatements[name] !== undefined) return true;
  return Object.keys(connection.parsedStatements).length < PER_CONNECTION;
}

/**
 * A pg client that prepares each parameterised statement it is asked for once per connection and
 * then only binds and executes it: PostgreSQL parses, analyses and plans a statement the first
 * times only (and, with its plan cache, settles on a generic plan when that is as good), which
 * was half of its CPU under load. Statements without parameters (BEGIN, COMMIT) keep the simple
 * protocol. The pool makes its connections with this class (`extra.Client`); a pooler between
 * the services and PostgreSQL must keep protocol-level prepared statements per client
 * (PgBouncer ≥ 1.21 with `max_prepared_statements`), or `DATABASE_PREPARED_STATEMENTS=false`.
 */
export class PreparingClient extends Client {}

type Query = (this: Client, ...args: unknown[]) => unknown;
const unnamed = (Client.prototype as unknown as { query: Query }).query;
// Assigned rather than overridden: `query` has a dozen overloads, and only one call shape changes.
(PreparingClient.prototype as unknown as { query: Query }).query = function (this: Client, ...args) {
  const [text, values] = args;
  if (
    args.length === 2 &&
    typeof text === 'string' &&
    Array.isArray(values) &&
    values.length > 0 &&
    text.length <= MAX_TEXT
  ) {
    const name = statementName(text);
    if (preparable(this, name)) return unnamed.call(this, { name, text, values });
  }
  return unnamed.apply(this, args);
};
