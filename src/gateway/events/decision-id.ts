/**
 * The decision id of a request, shared by the stages that emit events about it: the rate limiter
 * puts it in its `limit_exceeded` events before the audit event exists, and the audit event then
 * uses the same id, so a consumer can join the two. A WeakMap keeps RequestContext (a shared
 * contract) unchanged and frees the id with the context.
 *
 * Example: `const id = decisionIdOf(ctx); // same value on every call for this ctx`
 */
import { randomUUID } from 'node:crypto';

const ids = new WeakMap<object, string>();

export function decisionIdOf(ctx: object): string {
  let id = ids.get(ctx);
  if (id === undefined) {
    id = randomUUID();
    ids.set(ctx, id);
  }
  return id;
}
