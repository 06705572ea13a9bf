/**
 * The shipped example policies (policies/<name>/) with their own Rego tests: every `test_*` rule
 * is compiled as an entrypoint and must evaluate to true — the whole front end + JS back end on
 * policies written for the gateway. data.json in a policy directory is mounted at data.<name>,
 * as `opa build` does for a directory bundle.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import t from 'tap';
import { createJsEvaluator } from '../../../src/policy/backend/js/index.js';
import { compileToPlan } from '../../../src/policy/compiler/index.js';
import { parseModule } from '../../../src/policy/syntax/index.js';
import { fromJs, toJs } from '../../../src/policy/value/index.js';

const root = new URL('../../../policies/', import.meta.url).pathname;

for (const dir of readdirSync(root)) {
  t.test(`policies/${dir}`, async (t) => {
    const files = readdirSync(`${root}${dir}`).filter((f) => f.endsWith('.rego')).sort();
    const modules = files.map((f) => ({ file: `${dir}/${f}`, text: readFileSync(`${root}${dir}/${f}`, 'utf8') }));
    const tests: string[] = [];
    for (const m of modules) {
      const mod = parseModule(m.text, m.file);
      for (const r of mod.rules) {
        const name = (r.ref[0] as { value: string }).value;
        if (name.startsWith('test_') && r.ref.length === 1) tests.push([...mod.package, name].join('/'));
      }
    }
    t.ok(tests.length > 0, 'has tests');
    const dataFile = `${root}${dir}/data.json`;
    const data = existsSync(dataFile) ? { [dir]: JSON.parse(readFileSync(dataFile, 'utf8')) } : {};
    const policy = compileToPlan(modules, { entrypoints: tests });
    const ev = createJsEvaluator(policy, { data: fromJs(data) });
    for (const e of tests) t.same(ev.evaluate(e, undefined).map((v) => toJs(v)), [{ result: true }], e);
  });
}
