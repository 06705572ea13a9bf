/** uri.parse / uri.is_valid: Go's url.Parse split into the parts a URI has, its refusals as builtin errors. */
import t from 'tap';
import { call, j, throwsCode } from '../helpers.js';

t.test('uri.parse gives only the parts present, IPv6 host without brackets, path decoded with raw_path beside it', (t) => {
  t.equal(j(call('uri.parse', 'https://User@[::1]:8443/a%20b?x=1&y=2#top')), j({ scheme: 'https', hostname: '::1', port: '8443', path: '/a b', raw_path: '/a b', raw_query: 'x=1&y=2', fragment: 'top' }));
  t.equal(j(call('uri.parse', 'HTTP://example.com')), j({ scheme: 'http', hostname: 'example.com' }), 'scheme lower-cased, no path');
  t.equal(j(call('uri.parse', '/a%2Fb/c')), j({ path: '/a/b/c', raw_path: '/a%2Fb/c' }), 'an escaped slash keeps the written form in raw_path');
  t.equal(j(call('uri.parse', 'mailto:someone@example.com')), j({ scheme: 'mailto' }), 'opaque part is not reported');
  t.equal(j(call('uri.parse', 'relative/path?q')), j({ path: 'relative/path', raw_path: 'relative/path', raw_query: 'q' }));
  t.equal(j(call('uri.parse', 'http://h/p?')), j({ scheme: 'http', hostname: 'h', path: '/p', raw_path: '/p' }), 'a lone trailing ? is no query');
  t.equal(j(call('uri.parse', '///x')), j({ path: '///x', raw_path: '///x' }), 'three slashes without scheme: no authority');
  t.end();
});

t.test("uri.parse refuses what url.Parse refuses, with Go's message", (t) => {
  throwsCode(t, () => call('uri.parse', ':foo'), 'REGO_ERR_BUILTIN', 'uri.parse: parse ":foo": missing protocol scheme');
  throwsCode(t, () => call('uri.parse', 'http://h:8x/'), 'REGO_ERR_BUILTIN', 'invalid port ":8x" after host');
  throwsCode(t, () => call('uri.parse', 'http://[::1/'), 'REGO_ERR_BUILTIN', "missing ']' in host");
  throwsCode(t, () => call('uri.parse', '/a%zzb'), 'REGO_ERR_BUILTIN', 'invalid URL escape "%zz"');
  throwsCode(t, () => call('uri.parse', '1a:b/c'), 'REGO_ERR_BUILTIN', 'first path segment in URL cannot contain colon');
  throwsCode(t, () => call('uri.parse', 'http://a b/'), 'REGO_ERR_BUILTIN', 'invalid character " " in host name');
  throwsCode(t, () => call('uri.parse', 'http://x/\u0001'), 'REGO_ERR_BUILTIN', 'net/url: invalid control character in URL');
  throwsCode(t, () => call('uri.parse', 'http://x/#%zz'), 'REGO_ERR_BUILTIN', 'parse "http://x/#%zz": invalid URL escape "%zz"');
  throwsCode(t, () => call('uri.parse', 1), 'REGO_ERR_BUILTIN_TYPE', 'operand 1 must be string but got number');
  t.end();
});

t.test('uri.is_valid is false for what uri.parse refuses, the empty string and a non-string', (t) => {
  t.equal(call('uri.is_valid', 'https://example.com/x'), true);
  t.equal(call('uri.is_valid', 'relative'), true);
  t.equal(call('uri.is_valid', ''), false);
  t.equal(call('uri.is_valid', ':foo'), false);
  t.equal(call('uri.is_valid', 'http://h:port/'), false);
  t.equal(call('uri.is_valid', 7), false, 'no type error');
  t.end();
});
