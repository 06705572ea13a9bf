/**
 * rand.intn, uuid.*, opa.runtime, trace, internal.print, test.sleep — values from OPA's cases
 * (cases/v1/uuid, rand) and OPA's documented behaviour.
 */
import t from 'tap';
import { RSet } from '../../../../src/policy/value/index.js';
import { asJson, call, loadCases, makeCtx } from '../corpus-helpers.js';

t.test('uuid.rfc4122: v4 format, memoised per key', (t) => {
  const ctx = makeCtx();
  const u = call('uuid.rfc4122', ['key'], ctx) as string;
  t.match(u, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  t.equal(call('uuid.rfc4122', ['key'], ctx), u);
  t.not(call('uuid.rfc4122', ['other'], ctx), u);
  t.end();
});

t.test('uuid.parse (cases/v1/uuid)', (t) => {
  for (const c of loadCases('uuid')) {
    if (!c.note.startsWith('uuid-parse/')) continue;
    const inp = c.input as { userid: string };
    const out = call('uuid.parse', [inp.userid]);
    t.same(out === undefined ? undefined : asJson(out), c.want_result?.[0]?.x, c.note);
  }
  t.equal(call('uuid.parse', ['not-a-uuid']), undefined);
  t.same(call('uuid.parse', ['URN:UUID:6ba7b810-9dad-11d1-80b4-00c04fd430c8']), {
    version: 1,
    variant: 'RFC4122',
    time: 886630433151182400n, // 1998-02-04T22:13:53.1511824Z, the well-known DNS namespace UUID
    nodeid: '00-c0-4f-d4-30-c8',
    macvariables: 'global:unicast',
    clocksequence: 180,
  });
  t.end();
});
