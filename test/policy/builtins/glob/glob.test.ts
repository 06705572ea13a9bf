/** glob.match and glob.quote_meta (gobwas semantics, as OPA uses). */
import t from 'tap';
import { call, throwsCode } from '../helpers.js';

t.test('glob.match (gobwas semantics)', (t) => {
  t.equal(call('glob.match', '*.github.com', ['.'], 'api.github.com'), true);
  t.equal(call('glob.match', '*.github.com', ['.'], 'api.cdn.github.com'), false);
  t.equal(call('glob.match', 'api.**.com', ['.'], 'api.cdn.github.com'), true);
  t.equal(call('glob.match', '*', [], 'foo.bar'), false); // [] means the default "." delimiter
  t.equal(call('glob.match', '*', null, 'foo.bar'), true);
  t.equal(call('glob.match', '[!a-c]at', [], 'fat'), true);
  t.equal(call('glob.match', '[!a-c]at', [], 'bat'), false);
  t.equal(call('glob.match', '?at', ['f'], 'fat'), false);
  t.equal(call('glob.match', '{cat,bat,[fr]at}', [], 'rat'), true);
  t.equal(call('glob.match', '{cat,bat,[fr]at}', [], 'at'), false);
  t.equal(call('glob.match', 'a\\*b', null, 'a*b'), true);
  t.equal(call('glob.match', 'a\\*b', null, 'axb'), false);
  t.equal(call('glob.match', '*:*', [':'], 'a:b'), true);
  throwsCode(t, () => call('glob.match', '[abc', null, 'a'), 'REGO_ERR_BUILTIN');
  throwsCode(t, () => call('glob.match', '*', 'x', 'a'), 'REGO_ERR_BUILTIN_TYPE', 'operand 2 must be one of {array, null} but got string');
  t.equal(call('glob.quote_meta', '*.github.com'), '\\*.github.com');
  t.equal(call('glob.quote_meta', '[a]{b}?'), '\\[a\\]\\{b\\}\\?');
  t.end();
});

t.test('glob.match delimiters must be one-rune strings', (t) => {
  throwsCode(t, () => call('glob.match', '*', ['ab'], 'a'), 'REGO_ERR_BUILTIN_TYPE', 'operand 2 must be array of runes but got array containing string');
  throwsCode(t, () => call('glob.match', '*', [1], 'a'), 'REGO_ERR_BUILTIN_TYPE', 'operand 2 must be array of strings but got array containing number');
  t.end();
});
