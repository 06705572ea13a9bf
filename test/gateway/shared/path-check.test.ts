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

t.test('targets: the query is checked too', async (t) => {
  t.equal(checkTarget('/a?b=1&c=[x]|y'), null);
  t.equal(checkTarget('/a?b=#'), 'the query contains characters outside RFC 3986 query syntax');
  t.equal(checkTarget('/a?b=1 2'), 'the query contains characters outside RFC 3986 query syntax');
  t.equal(checkTarget('/../x?y'), 'contains a dot segment');
});
