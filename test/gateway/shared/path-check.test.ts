import t from 'tap';
import { checkPath, checkTarget } from '../../../src/gateway/shared/path-check.js';

t.test('ordinary paths pass', async (t) => {
  for (const p of ['/', '/a', '/a/b/c', '/v1.2/x.json', '/a/.well-known/x', '/caf%C3%A9', '/a/b~c/d_e-f', '/a|b', '/a[0]', "/a!$&'()*+,=:@"]) t.equal(checkPath(p), null, p);
});

t.test('dot segments in every encoding are refused', async (t) => {
  for (const p of ['/.', '/..', '/a/./b', '/a/../b', '/a/%2e%2E/b', '/a/.%2e/b', '/a/%2e./b', '/a/%252e%252e/b', '/a/%25252e%25252e/b', '/a/%c0%ae%c0%ae/b', '/a/%e0%80%ae/b', '/a/%u002e%u002e/b', '/a/\uff0e\uff0e/b', '/a/%ef%bc%8e/b', '/a/.../b', '/a/.. /b'.replace(' ', '%20')]) {
    t.not(checkPath(p), null, p); // `%u…` is also malformed percent-encoding, raw `．` also not ASCII
  }
  t.equal(checkPath('/a/%2e%2E/b'), 'contains a dot segment');
  t.equal(checkPath('/a/%ef%bc%8e%ef%bc%8e/b'), 'contains a dot segment');
});

t.test('ambiguous characters are refused', async (t) => {
  t.equal(checkPath('a'), 'must start with "/"');
  t.equal(checkPath('//evil/x'), 'must not start with "//"');
  t.equal(checkPath('/a;b'), 'contains ";" (path parameters)');
  t.equal(checkPath('/a%5cb'), 'contains an encoded backslash');
  t.equal(checkPath('/a%2fb'), 'contains an encoded "/"');
  t.equal(checkPath('/a%2fb', { allowEncodedSlash: true }), null, 'unless allowed');
  t.equal(checkPath('/a%00b'), 'contains an encoded control character');
  t.equal(checkPath('/a%7fb'), 'contains an encoded control character');
  t.equal(checkPath('/a%zz'), 'malformed percent-encoding');
  t.equal(checkPath('/a%4'), 'malformed percent-encoding');
  for (const p of ['/a\\b', '/a b', '/a#b', '/a"b', '/a<b', '/a{b', '/a`b', '/é', '/a\nb']) t.equal(checkPath(p), 'contains characters outside RFC 3986 path syntax', JSON.stringify(p));
  t.equal(checkPath('/' + 'a'.repeat(9000)), 'too long');
});

const UNRESERVED = 'contains a percent-encoded unreserved character (one spelling per path: `/adm%69n` is `/admin`)';

t.test('one spelling per path: encoded unreserved characters and empty segments are refused', async (t) => {
  for (const p of ['/adm%69n', '/%61', '/%41%5A', '/a%2Db', '/file%2ejson', '/a%5fb', '/a%7Eb', '/a%30', '/adm%2569n', '/adm%252569n']) t.equal(checkPath(p), UNRESERVED, p);
  for (const p of ['/a//b', '/a/b//', '/a///b']) t.equal(checkPath(p), 'contains an empty segment ("//")', p);
  for (const p of ['/%40%5B%60%7B%2F%3A', '/a%20b', '/caf%C3%A9', '/%2520']) t.not(checkPath(p, { allowEncodedSlash: true }), UNRESERVED, p);
  t.equal(checkPath('/a/%2e%2e/b'), 'contains a dot segment', 'an encoded dot segment keeps its own reason');
});

t.test('targets: the query is checked too', async (t) => {
  t.equal(checkTarget('/a?b=1&c=[x]|y'), null);
  t.equal(checkTarget('/a?b=#'), 'the query contains characters outside RFC 3986 query syntax');
  t.equal(checkTarget('/a?b=1 2'), 'the query contains characters outside RFC 3986 query syntax');
  t.equal(checkTarget('/../x?y'), 'contains a dot segment');
});

// The one-pass scanner (checkPathBefore) against the checks as separate regexes, as they were
// before it: the same answer, reason included, for paths and targets built from the characters
// each check looks at (a fixed seed: the same cases on every run).
t.test('the one-pass scan answers as the separate checks do', async (t) => {
  const PATH_CHARS = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@/%|^[\]]*$/;
  const reference = (path: string, allowEncodedSlash: boolean): string | null => {
    if (path.length === 0 || path.charCodeAt(0) !== 47) return 'must start with "/"';
    if (path.length > 8192) return 'too long';
    if (path.length > 1 && path.charCodeAt(1) === 47) return 'must not start with "//"';
    if (!PATH_CHARS.test(path)) return 'contains characters outside RFC 3986 path syntax';
    if (path.includes(';')) return 'contains ";" (path parameters)';
    if (path.includes('//')) return 'contains an empty segment ("//")';
    let unreserved = false;
    if (path.includes('%')) {
      if (/%(?![0-9A-Fa-f]{2})/.test(path)) return 'malformed percent-encoding';
      if (/%(?:[01][0-9A-Fa-f]|7[Ff])/.test(path)) return 'contains an encoded control character';
      if (/%5[Cc]/.test(path)) return 'contains an encoded backslash';
      if (!allowEncodedSlash && /%2[Ff]/.test(path)) return 'contains an encoded "/"';
      unreserved = /%(?:25)*(?:3[0-9]|[46][1-9A-Fa-f]|[57][0-9Aa]|2[DdEe]|5[Ff]|7[Ee])/.test(path);
    }
    if (!/\/[.%\uff0e]/.test(path)) return unreserved ? UNRESERVED : null;
    // the dot-segment decode is the same function on both sides: compare only whether it ran
    return checkPath(path, { allowEncodedSlash });
  };
  const pieces = ['/', '/', '.', '..', '%', '%2e', '%2F', '%5c', '%00', '%zz', ';', 'a', 'Z9', '-_~', '|', ' ', '\\', 'é', '\uff0e', '#', '?', '?x=1', '?#'];
  let seed = 12345;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  let checked = 0;
  for (let n = 0; n < 5000; n++) {
    let p = next() < 0.9 ? '/' : '';
    const len = Math.floor(next() * 7);
    for (let i = 0; i < len; i++) p += pieces[Math.floor(next() * pieces.length)];
    for (const allowEncodedSlash of [false, true]) {
      const q = p.indexOf('?');
      const want = reference(q < 0 ? p : p.slice(0, q), allowEncodedSlash);
      const path = q < 0 ? p : p.slice(0, q);
      if (checkPath(path, { allowEncodedSlash }) !== want) t.fail(`checkPath(${JSON.stringify(path)})`);
      const target = checkTarget(p, { allowEncodedSlash });
      const wantTarget = want ?? (q >= 0 && !/^[\x21\x22\x24-\x7e]*$/.test(p.slice(q + 1)) ? 'the query contains characters outside RFC 3986 query syntax' : null);
      if (target !== wantTarget) t.fail(`checkTarget(${JSON.stringify(p)}): ${target} ≠ ${wantTarget}`);
      checked++;
    }
  }
  t.equal(checked, 10000);
});
