import t from 'tap';
import { foldPathCase, hasEncodedCaseFold } from '../../../src/gateway/shared/path-case.js';
import { checkPath } from '../../../src/gateway/shared/path-check.js';

t.test('the fold lower-cases ASCII capitals only, keeping every length and slash', async (t) => {
  t.equal(foldPathCase('/ADMIN/Report%C3%A9'), '/admin/report%c3%a9');
  const lower = '/already/lower';
  t.equal(foldPathCase(lower), lower);
  // JavaScript's toLowerCase would turn these into ASCII (or two characters): the fold leaves them
  for (const s of ['/\u212Aelvin', '/\u0130nfo', '/\u017Fvc', '/\u00C5', '/\uFF21']) {
    t.equal(foldPathCase(s), s.slice(0, 2) + s.slice(2).toLowerCase(), JSON.stringify(s));
    t.equal(foldPathCase(s).charCodeAt(1), s.charCodeAt(1), `${JSON.stringify(s)}: the non-ASCII character stays`);
  }
  t.equal(foldPathCase('/\u212A'), '/\u212A');
  for (let c = 0; c < 128; c++) {
    const s = String.fromCharCode(c);
    if (foldPathCase(s) !== (c >= 65 && c <= 90 ? String.fromCharCode(c + 32) : s)) t.fail(`character ${c}`);
  }
});

t.test('every code point whose case mapping is ASCII letters is found percent-encoded, and no other', async (t) => {
  const encode = (cp: number, twice: boolean) => [...Buffer.from(String.fromCodePoint(cp), 'utf8')].map((b) => `%${twice ? '25' : ''}${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  const folds = (cp: number) => {
    const c = String.fromCodePoint(cp);
    return [c.toUpperCase(), c.toLowerCase(), c.toLocaleUpperCase('tr'), c.toLocaleLowerCase('tr')].some((f) => /^[A-Za-z]+$/.test(f));
  };
  const found: number[] = [];
  let wrong = 0;
  // the Basic Multilingual Plane: the letters of the other planes (Deseret, Osage, Adlam …) map within their script
  for (let cp = 0x80; cp <= 0xffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const want = folds(cp);
    if (want) found.push(cp);
    if (hasEncodedCaseFold(`/a${encode(cp, false)}b`) !== want || hasEncodedCaseFold(`/a${encode(cp, true).toLowerCase()}b`) !== want) wrong++;
  }
  t.equal(wrong, 0);
  t.same(found.map((cp) => cp.toString(16)), ['df', '130', '131', '17f', '212a', 'fb00', 'fb01', 'fb02', 'fb03', 'fb04', 'fb05', 'fb06']);
});

t.test('the path rule applies only where a route folds case', async (t) => {
  t.equal(checkPath('/adm%C4%B1n'), null);
  t.match(checkPath('/adm%C4%B1n', { allowEncodedSlash: false, caseInsensitive: true }), /case folding/);
  t.equal(checkPath('/caf%C3%A9', { allowEncodedSlash: false, caseInsensitive: true }), null);
  t.equal(checkPath('/a/%2e%2e/%C4%B1', { allowEncodedSlash: false, caseInsensitive: true }), 'contains a dot segment', 'a dot segment keeps its own reason');
});
