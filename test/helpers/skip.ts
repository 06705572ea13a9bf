/**
 * Skip or TODO test points with their reason, from inside a running test: a tool the test needs
 * (openssl, haproxy) is missing, or a case is known not to hold. tap's `t.skip` and `t.todo` are
 * subtest methods typed as a name and a callback; called with the name alone they still report
 * the point (as a TODO subtest), but the call does not type-check. A skip or TODO subtest's
 * callback is never run (tap's shouldSkipChild), so the one given here is empty.
 *
 * @example if (!found) skipWith(t, 'haproxy is not installed');
 * @example todoWith(t, `${note}: not representable in the value model`);
 */
import type { Test } from 'tap';

export function skipWith(t: Test, reason: string): void {
  t.skip(reason, () => {});
}

export function todoWith(t: Test, reason: string): void {
  t.todo(reason, () => {});
}
