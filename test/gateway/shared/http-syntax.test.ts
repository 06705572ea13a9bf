import t from 'tap';
import { KNOWN_METHODS, PATH_CHAR_CLASS, isClientFieldValue, isFieldName, isHost, isOriginPathSyntax, isOwnFieldValue, isQuerySyntax } from '../../../src/gateway/shared/http-syntax.js';

t.test('field names are RFC 9110 tokens', async (t) => {
  for (const n of ['x-a', 'content-type', "x!#$%&'*+.^_`|~"]) t.ok(isFieldName(n), n);
  for (const n of ['', 'x a', 'x:a', 'x(a)', 'é', 'x\u010da', 'a'.repeat(257)]) t.notOk(isFieldName(n), JSON.stringify(n));
});

t.test('client field values: no controls but HTAB, no DEL, no U+FFFD; UTF-8 is fine', async (t) => {
  for (const v of ['', 'a b\tc', 'Zoë 日本 😀', '\u010d\u010a', '\u0085']) t.ok(isClientFieldValue(v), JSON.stringify(v));
  for (const v of ['a\rb', 'a\nb', 'a\0b', 'a\x7fb', 'a\x01', 'a\ufffdb']) t.notOk(isClientFieldValue(v), JSON.stringify(v));
});

t.test("regate's own values may hold U+FFFD but never a lone surrogate", async (t) => {
  t.ok(isOwnFieldValue('a\ufffdb'));
  t.ok(isOwnFieldValue('😀'));
  t.notOk(isOwnFieldValue('a\ud800b'));
  t.notOk(isOwnFieldValue('a\udc00'));
  t.notOk(isOwnFieldValue('a\r\nb'));
});

t.test("regate's own values: the plain-ASCII shortcut changes no verdict (every code unit alone, and inside ASCII)", async (t) => {
  // the rule as it was before the shortcut: controls but HTAB, DEL, lone surrogates
  const bad = /[\x00-\x08\x0a-\x1f\x7f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
  let differ = 0;
  for (let c = 0; c <= 0xffff; c++) {
    const ch = String.fromCharCode(c);
    for (const v of [ch, `Basic ${ch}x`, `x${ch}`]) if (isOwnFieldValue(v) === bad.test(v)) differ++;
  }
  t.equal(differ, 0, 'same verdict as the full rule for all 65536 code units');
  for (const v of ['', 'for=127.0.0.1;proto=http', 'Basic Z2F0ZXdheTpiZW5jaC1zZWNyZXQ=', 'a\tb', '~ !']) t.ok(isOwnFieldValue(v), v);
});

t.test('queries, hosts and methods', async (t) => {
  t.ok(isQuerySyntax('a=1&b=[x]|"y"'));
  t.notOk(isQuerySyntax('a=#'));
  t.notOk(isQuerySyntax('a= b'));
  t.notOk(isQuerySyntax('a=é'));
  for (const h of ['a.test', 'a.test:8080', '127.0.0.1:1', '[::1]:8080', '[fe80::1]', '', 'xn--caf-dma.test']) t.ok(isHost(h), h);
  for (const h of ['a.test/x', 'a b', 'a.test:80:80', 'a@b', 'é.test', 'a.test:123456', '[::1']) t.notOk(isHost(h), h);
  // one spelling per host: the root dot is allowed (the router ignores it), empty labels and
  // percent-encoding are not (test/security/host-routing.test.ts)
  for (const h of ['a.test.', 'a.test.:8080', 'localhost']) t.ok(isHost(h), h);
  for (const h of ['a..test', 'a.test..', '.a.test', '.', 'a%2etest', '%61.test']) t.notOk(isHost(h), h);
  t.ok(KNOWN_METHODS.has('PROPFIND'));
  t.notOk(KNOWN_METHODS.has('get'));
  t.notOk(KNOWN_METHODS.has('BREW'));
});

t.test('PATH_CHAR_CLASS and the path regex agree on every code unit', async (t) => {
  // isOriginPathSyntax('/' + c) is the regex's answer for c; the table answers for the scanners
  let disagree = 0;
  for (let c = 0; c <= 0xffff; c++) {
    const byTable = c < 128 && (PATH_CHAR_CLASS[c] as number) !== 0;
    if (byTable !== isOriginPathSyntax('/' + String.fromCharCode(c))) disagree++;
  }
  t.equal(disagree, 0);
  for (const c of '/.%;') t.equal(PATH_CHAR_CLASS[c.charCodeAt(0)], 2, `${c} is marked`);
});
