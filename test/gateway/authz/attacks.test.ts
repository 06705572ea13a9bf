/**
 * Hostile or broken policies through the real gateway: a decision that asks for anything the
 * config does not declare, or that would smuggle something onto the wire, is refused with 500
 * `GW_ERR_POLICY_DECISION` and never reaches an upstream; a policy runtime error denies (403
 * `GW_ERR_POLICY_ERROR`); an undefined decision denies (403). Fail closed, every time.
 */
import t from 'tap';
import { startTokenServer } from '../../helpers/oidc-provider.js';
import { startUpstream } from '../helpers.js';
import { bearer, call, makePolicyDir, startGw } from './fixtures.js';

const ts = await startTokenServer();
t.teardown(() => ts.stop());

const up = await startUpstream();
const other = await startUpstream();
t.teardown(() => Promise.all([up.close(), other.close()]));

// One package; the request path picks the attack (`input.request.path`), so one gateway runs all.
const policies = makePolicyDir({
  'attack/attack.rego': `package attack

import rego.v1

p := input.request.path

allowed(upstream) := {"allow": true, "upstream": upstream}

decision := allowed({"headers": {"x-note": "a\\r\\nx-injected: 1"}}) if p == "/a/crlf-value"
decision := allowed({"headers": {"x-a\\r\\nx-injected": "1"}}) if p == "/a/crlf-name"
decision := allowed({"headers": {"x-note": "a\\nb"}}) if p == "/a/lf-value"
decision := allowed({"name": "nowhere"}) if p == "/a/undeclared-upstream"
decision := allowed({"credentials": "nobody"}) if p == "/a/undeclared-credentials"
decision := allowed({"headers": {"host": "evil.example"}}) if p == "/a/host"
decision := allowed({"headers": {"Host": "evil.example"}}) if p == "/a/host-case"
decision := allowed({"headers": {"content-length": "0"}}) if p == "/a/content-length"
decision := allowed({"headers": {"transfer-encoding": "chunked"}}) if p == "/a/hop-by-hop"
decision := allowed({"path": "/public/../admin"}) if p == "/a/dotdot"
decision := allowed({"path": "/public/%2e%2e/admin"}) if p == "/a/encoded-dot"
decision := allowed({"path": "/public%2Fadmin"}) if p == "/a/encoded-slash"
decision := allowed({"path": "/public%5cadmin"}) if p == "/a/encoded-backslash"
decision := allowed({"path": "//evil.example/x"}) if p == "/a/authority-form"
decision := allowed({"path": "http://evil.example/x"}) if p == "/a/absolute"
decision := {"allow": true, "surprise": 1} if p == "/a/unknown-key"
decision := "yes" if p == "/a/not-a-decision"

# the path the caller controls, pasted into the rewrite: ../ must not escape
decision := allowed({"path": sprintf("/users/%s", [input.request.query.u[0]])}) if p == "/a/user"

# fine: the control case that shows the route itself works
decision := allowed({"name": "other", "path": "/ok", "headers": {"x-note": "fine"}}) if p == "/a/ok"

# conflict: two complete-rule values for one input (eval_conflict_error at evaluation)
conflict := 1 if input.request.method == "GET"
conflict := 2 if startswith(input.request.path, "/")
decision := {"allow": true, "n": conflict} if p == "/a/conflict"

# a builtin type error: outside strict mode OPA makes the call undefined (topdown evalCall),
# so the rule does not apply and the decision is undefined → deny
decision := {"allow": true, "n": input.request.path + 1} if p == "/a/type-error"

# a function with two outputs for one argument (eval_conflict_error)
f(x) := 1 if x
f(x) := 2 if x
decision := {"allow": f(true)} if p == "/a/function-conflict"

# undefined: no rule matches /a/undefined, and there is no default
`,
});
t.teardown(() => policies.remove());

const gw = await startGw(`
listen: { host: 127.0.0.1, port: 0 }
admin: { enabled: false }
log: { level: silent, access: false }
upstreams:
  up: { url: "${up.url}", timeout_ms: 3000 }
  other: { url: "${other.url}", timeout_ms: 3000 }
tokens:
  jwt: { jwks_uri: "${ts.jwksUri}", issuer: "${ts.issuer}", audience: "${ts.audience}", typ: at+jwt }
policies: { dir: "${policies.dir}", engine: js }
routes:
  - { id: attack, match: { path_prefix: /a }, upstream: up, auth: jwt, policy: attack/decision }
  - { id: open, match: { path_prefix: /open }, upstream: up, policy: attack/decision }
`);
t.teardown(() => gw.close());

// Every call carries a valid token, so a deny is a 403 (without a token it would be 401).
const now = Math.floor(Date.now() / 1000);
const auth = bearer(await ts.signJwt({ iss: ts.issuer, aud: ts.audience, sub: 'mallory', client_id: 'app', iat: now, exp: now + 600 }));

const seen = () => up.seen.length + other.seen.length;

t.test('the control request passes and is mapped', async (t) => {
  const r = await call(`${gw.url}/a/ok`, { headers: auth });
  t.equal(r.status, 200);
  t.equal(other.seen.at(-1)!.url, '/ok');
  t.equal(other.seen.at(-1)!.headers['x-note'], 'fine');
});

const refused: [string, string][] = [
  ['/a/crlf-value', 'CR/LF in a header value'],
  ['/a/crlf-name', 'CR/LF in a header name'],
  ['/a/lf-value', 'bare LF in a header value'],
  ['/a/undeclared-upstream', 'an upstream the config does not declare'],
  ['/a/undeclared-credentials', 'credentials the config does not declare'],
  ['/a/host', 'a Host override'],
  ['/a/host-case', 'a Host override in another case'],
  ['/a/content-length', 'a Content-Length override'],
  ['/a/hop-by-hop', 'a hop-by-hop header'],
  ['/a/dotdot', 'a rewritten path with ..'],
  ['/a/encoded-dot', 'a rewritten path with %2e%2e'],
  ['/a/encoded-slash', 'a rewritten path with %2F'],
  ['/a/encoded-backslash', 'a rewritten path with %5c'],
  ['/a/authority-form', 'an authority-form path'],
  ['/a/absolute', 'an absolute URL as path'],
  ['/a/unknown-key', 'an unknown decision key'],
  ['/a/not-a-decision', 'a decision that is neither boolean nor object'],
  ['/a/user?u=..', 'a caller-supplied .. pasted into the rewrite'],
  ['/a/user?u=%2e%2e', 'a caller-supplied encoded .. (decoded by the query parser) pasted into the rewrite'],
  ['/a/user?u=%252e%252e', 'a caller-supplied %2e%2e pasted into the rewrite'],
  ['/a/user?u=a%252Fb', 'a caller-supplied %2F pasted into the rewrite'],
];

for (const [path, what] of refused) {
  t.test(`refused: ${what}`, async (t) => {
    const before = seen();
    const r = await call(`${gw.url}${path}`, { headers: auth });
    t.equal(r.status, 500);
    t.equal(r.json.error, 'GW_ERR_POLICY_DECISION');
    t.equal(seen(), before, 'no upstream saw the call');
    t.notMatch(r.text, /evil|injected|nowhere/, 'the client body does not echo the decision');
    t.equal(r.headers.get('x-injected'), null);
  });
}

t.test('a caller-supplied / decodes to a plain segment inside /users/ and passes (the boundary)', async (t) => {
  // The query value reaches the policy decoded, so the rewrite is /users/x/y: no dot segment, no
  // encoded separator — allowed, and asserted so the boundary is explicit.
  const r = await call(`${gw.url}/a/user?u=x%2Fy`, { headers: auth });
  t.equal(r.status, 200);
  t.equal(up.seen.at(-1)!.url, '/users/x/y');
});

for (const [path, what] of [
  ['/a/conflict', 'a complete-rule conflict'],
  ['/a/function-conflict', 'a function conflict'],
] as const) {
  t.test(`policy runtime error denies: ${what}`, async (t) => {
    const before = seen();
    const r = await call(`${gw.url}${path}`, { headers: auth });
    t.equal(r.status, 403);
    t.equal(r.json.error, 'GW_ERR_POLICY_ERROR');
    t.equal(seen(), before, 'no upstream saw the call');
  });
}

for (const path of ['/a/undefined', '/a/type-error']) {
  t.test(`an undefined decision denies with 403 (${path})`, async (t) => {
    const before = seen();
    const r = await call(`${gw.url}${path}`, { headers: auth });
    t.equal(r.status, 403);
    t.equal(r.json.error, 'GW_ERR_FORBIDDEN');
    t.equal(seen(), before);
  });
}

t.test('without a token a deny is 401 with a Bearer challenge (DESIGN: 401 when there was no token)', async (t) => {
  const before = seen();
  const r = await call(`${gw.url}/open/anything`);
  t.equal(r.status, 401);
  t.equal(r.json.error, 'GW_ERR_POLICY_DENIED_UNAUTHENTICATED');
  t.equal(r.headers.get('www-authenticate'), 'Bearer');
  t.equal(seen(), before);
});
