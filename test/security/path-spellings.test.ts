/**
 * One path, several spellings: a route that protects a path must not be bypassed by a spelling
 * that the router reads as another path but the backend reads as the protected one, through a
 * broader route in front of the same backend.
 *
 * Before, with a token-protected prefix route `/admin`, an exact route `/api/delete` and an open
 * catch-all, all of these reached the backend without a token:
 * - `/adm%69n/x`, `/%61dmin/x`, `/api/delet%65` — percent-encoded unreserved characters, which URI
 *   normalisers and the usual backends (Spring, Django, Rails, Go's ServeMux, Werkzeug) decode;
 *   `%2569` for backends that decode twice;
 * - `/api//delete`, `/admin//x` at a prefix boundary — empty segments, which nginx
 *   (`merge_slashes`, on by default) and Spring merge;
 * - `/api/delete/` — a trailing slash, which Express (non-strict routing, its default) and
 *   Spring ≤ 5 ignore.
 * Now the edge refuses the first two kinds (400 GW_ERR_BAD_PATH) and an exact route also takes
 * its path with a trailing slash.
 */
import t from 'tap';
import { HS256_TOKENS, startEdgeGateway } from './edge-gateway.js';
import { rawGet, sendOne, statusOf } from './wire.js';

const edge = await startEdgeGateway(t, {
  sections: [HS256_TOKENS],
  routes: [
    '{ id: admin, match: { path_prefix: /admin }, upstream: app, auth: jwt }',
    '{ id: delete, match: { path: /api/delete }, upstream: app, auth: jwt }',
    '{ id: public, match: { path_prefix: / }, upstream: app }',
  ],
});
const { up, port } = edge;

t.test('spellings a backend decodes or merges are refused', async (t) => {
  const targets = ['/adm%69n/x', '/%61dmin/x', '/ADM%49N/x', '/api/delet%65', '/api/delete%2Ejson', '/api%2Ddelete', '/adm%2569n/x', '/api//delete', '/x//admin', '/admin//x', '/public/a//b'];
  await edge.refuses(t, 400, 'GW_ERR_BAD_PATH', targets.map((p) => [p, rawGet(p)]));
});

t.test('an exact route takes its path with a trailing slash too', async (t) => {
  for (const target of ['/api/delete', '/api/delete/', '/api/delete/?x=1', '/admin', '/admin/']) {
    up.reset();
    const r = await sendOne(port, rawGet(target));
    t.equal(statusOf(r), 401, `${target}: a token is asked for`);
    t.equal(up.requests().length, 0);
  }
});

t.test('ordinary paths and encodings that are not unreserved characters pass, byte for byte', async (t) => {
  const targets = ['/public/caf%C3%A9', '/public/a%20b', '/public/%3A%40%5B', '/public/a/b.json', '/api/deleted', '/api/delete/x', '/administrator'];
  up.reset();
  for (const target of targets) t.equal(statusOf(await sendOne(port, rawGet(target))), 200, target);
  t.same(up.requests().map((m) => m.url), targets);
});
