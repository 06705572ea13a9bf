/**
 * rego.metadata.rule()/chain() values as OPA's Annotations.toObject builds them (ast/annotations.go),
 * from METADATA read by yaml.v3 (ast/parser.go metadataParser): only the fields rawAnnotation
 * knows, each only when set; authors and related resources reduced to their fields; schemas as
 * {path, schema | definition} with refs as string arrays; `yes`/`on`/`N` are strings (YAML 1.2),
 * `0755` is 493 (strconv.ParseInt base 0). Issue #16, builtins audit.
 */
import t from 'tap';
import { compileToPlan } from '../../../src/policy/compiler/index.js';
import { createEvaluator } from '../../../src/policy/index.js';
import { toJs } from '../../../src/policy/value/index.js';

const MOD = `package s

# METADATA
# title: ""
# description: d
# organizations: []
# entrypoint: false
# custom:
#   a: yes
#   b: 0755
#   f: on
#   g: 2001-01-01
# authors:
#   - Jane   Doe <jane@example.com>
#   - <only@example.com>
#   - name: N
#     email: " e@x "
#     extra: 1
# related_resources:
#   - ref: https://example.com/a
#     extra: 2
#   - https://example.com/b
# schemas:
#   - input: schema.foo
#   - input.x["y"]: {"type": "string"}
# bogus: 1
r := rego.metadata.rule()

# METADATA
# title: c
# custom: {}
c := rego.metadata.chain()
`;

const WANT_R = {
  scope: 'rule',
  description: 'd',
  custom: { a: 'yes', b: 493, f: 'on', g: '2001-01-01' },
  authors: [{ name: 'Jane Doe', email: 'jane@example.com' }, { email: 'only@example.com' }, { name: 'N', email: 'e@x' }],
  related_resources: [{ ref: 'https://example.com/a' }, { ref: 'https://example.com/b' }],
  schemas: [
    { path: ['input'], schema: ['schema', 'foo'] },
    { path: ['input', 'x', 'y'], definition: { type: 'string' } },
  ],
};

for (const engine of ['js', 'wasm'] as const) {
  t.test(`${engine}: annotations as OPA's toObject`, async (t) => {
    const policy = compileToPlan([{ file: 's.rego', text: MOD }], { query: 'r = data.s.r; c = data.s.c' });
    const ev = await createEvaluator(policy, { engine });
    const [res] = ev.evaluate('eval', undefined).map((v) => toJs(v)) as { r: unknown; c: unknown }[];
    t.same(res?.r, WANT_R);
    t.same(res?.c, [{ path: ['s', 'c'], annotations: { scope: 'rule', title: 'c' } }]);
  });
}
