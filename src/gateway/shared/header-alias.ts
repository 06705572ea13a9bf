/**
 * The name a backend may read a request field under, when that differs from its own.
 *
 * CGI (RFC 3875 §4.1.18) hands fields to programs as `HTTP_` + the name upper-cased with `-`
 * turned into `_`, and the stacks built on it (PHP's `$_SERVER`, WSGI's `environ`, Rack's `env`,
 * nginx with `underscores_in_headers on`) do the same, so `x_user_id: bob` reaches such a program
 * as the same variable as `x-user-id` — whichever of the two the stack keeps last wins. Some go
 * further and map every character outside letters and digits (a `.` too) to `_`. A field whose
 * name only differs from a name the gateway owns (an identity header, one a policy or credential
 * sets, `x-request-id`) by such characters must be treated as that name: removed at the edge and
 * never forwarded beside the gateway's own (test/security/header-aliases.test.ts).
 *
 * uWS 20.56 (Node 22+) delivers such names; 20.30 (Node 20) never answers a request that has one.
 */

/**
 * `name` lower-cased, with every character outside `a-z`, `0-9` and `-` replaced by `-`, or
 * null when it has no such character — the common case, answered by one pass over the
 * characters without allocating.
 *
 * @example
 * headerAliasOf('x_user_id') // 'x-user-id'
 * headerAliasOf('x.user.id') // 'x-user-id'
 * headerAliasOf('x-device')  // null
 */
export function headerAliasOf(name: string): string | null {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    // a-z, 0-9, '-' (and A-Z, should a caller pass a name as sent)
    if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || (c >= 65 && c <= 90)) continue;
    return name.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  }
  return null;
}
