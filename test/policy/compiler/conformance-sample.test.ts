/**
 * Ratchet: whole topics of OPA's v1 conformance corpus that exercise the front end (little or no
 * builtin surface) must pass completely — our compiler + the JS back end, end to end.
 * The full per-topic report: `npx tsx test/policy/compiler/tools/conformance-report.ts`.
 */
import t from 'tap';
import { runConformance } from '../../../src/policy/conformance/run.js';

const TOPICS = ['comprehensions', 'completedoc', 'defaultkeyword', 'elsekeyword', 'every', 'functions', 'negation', 'partialobjectdoc', 'partialsetdoc', 'virtualdocs', 'varreferences', 'stringinterpolation', 'keywordrefs', 'eqexpr', 'indirectreferences', 'nestedreferences', 'embeddedvirtualdoc', 'topdowndynamicdispatch', 'regometadatachain', 'walkbuiltin'];

t.test('front-end heavy conformance topics pass', async (t) => {
  const results = await runConformance({ casesDir: new URL('../../../../shared/conformance/cases/v1', import.meta.url).pathname, engine: 'js' });
  for (const topic of TOPICS) {
    const rs = results.filter((r) => r.topic === topic);
    const failed = rs.filter((r) => !r.pass).map((r) => `${r.note}: ${r.reason ?? ''}`);
    t.ok(rs.length > 0, `${topic} has cases`);
    t.same(failed, [], `${topic}: ${rs.length - failed.length}/${rs.length}`);
  }
});
