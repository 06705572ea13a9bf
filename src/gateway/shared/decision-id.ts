/**
 * The decision id of a request, shared by the stages that emit events about it: the rate limiter
 * puts it in its `limit_exceeded` events before the audit event exists, and the audit event then
 * uses the same id, so a consumer can join the two.
 *
 * The id lives on the context under a module-private symbol: RequestContext (a shared contract)
 * keeps its declared fields, and a symbol key is invisible to JSON.stringify, Object.keys and
 * for…in. A WeakMap did the same at a WeakMap get + set per request, and its entries are
 * ephemerons the garbage collector must trace specially.
 *
 * Example: `const id = decisionIdOf(ctx); // same value on every call for this ctx`
 */
// random-uuid.ts: the same v4 ids as crypto.randomUUID, formatted a batch at a time (flat strings)
import { randomUuid } from './random-uuid.js';

const DECISION_ID = Symbol('regate.decisionId');

type Carrier = { [DECISION_ID]?: string };

export function decisionIdOf(ctx: object): string {
  const c = ctx as Carrier;
  let id = c[DECISION_ID];
  if (id === undefined) {
    id = randomUuid();
    c[DECISION_ID] = id;
  }
  return id;
}
