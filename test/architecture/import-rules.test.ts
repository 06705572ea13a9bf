/**
 * The import rules hold in src/ (README "Map of the code"; issue #15): a stage folder imports
 * only the pipeline contract, errors, config types and shared/, and so on (import-rules.ts). A
 * failure lists every offending `file:line → import [rule]`.
 *
 * The checker is first run on a small tree written here, with one violation of each rule, so a
 * checker that stopped seeing imports would fail this file rather than pass it silently.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { checkImportRules, formatViolation, IMPORT_RULES, readImportGraph } from './import-rules.js';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

t.test('src/ keeps the import rules', async (t) => {
  const edges = readImportGraph(SRC);
  // the scanner sees the graph at all: some known edges of each kind
  t.ok(edges.some((e) => e.from === 'gateway/ratelimit/index.ts' && e.to === 'gateway/shared/redis-connection.ts'), 'a static import');
  t.ok(edges.some((e) => e.from === 'gateway/pipeline/stages.ts' && e.to === 'gateway/authn/index.ts'), 'a literal dynamic import');
  t.ok(edges.some((e) => e.from === 'gateway/authz/index.ts' && e.to === 'gateway/authz/load.ts'), 'an export … from');
  t.ok(edges.length > 500, `${edges.length} edges`);
  const violations = checkImportRules(SRC).map(formatViolation);
  t.same(violations, [], violations.length > 0 ? `import rule violations:\n${violations.join('\n')}` : 'no violations');
});

t.test('the checker fails on a tree that breaks each rule', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'regate-import-rules-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const files: Record<string, string> = {
    'gateway/errors.ts': 'export class GatewayError extends Error {}\n',
    'gateway/config/types.ts': 'export interface RedisConfig { url: string }\n',
    'gateway/config/load.ts': "import { x } from '../events/index.js';\nexport const y = x;\n", // config → stage
    'gateway/shared/redis-connection.ts': "import type { Stage } from '../pipeline/stages.js';\nexport type S = Stage;\n", // shared → composition
    'gateway/pipeline/context.ts': "import { x } from '../events/index.js';\nexport interface Stage { name: string }\nexport const z = x;\n", // contract → stage
    'gateway/pipeline/stages.ts': "export async function build() {\n  const m = await import('../authn/jwt.js');\n  return m;\n}\n", // composition → not an index
    'gateway/authn/index.ts': "export const a = 1;\n",
    'gateway/authn/jwt.ts': "import { GatewayError } from '../errors.js';\nexport const j = GatewayError;\n",
    'gateway/events/index.ts': "export const x = 1;\n",
    'gateway/events/types.ts': "export interface E { id: string }\n",
    'gateway/ratelimit/index.ts': [
      "import type { E } from '../events/types.js';", // stage → another stage (sideways)
      "import { GatewayError } from '../errors.js';", // allowed
      "import type { RedisConfig } from '../config/types.js';", // allowed
      "export { s } from '../../policy/compiler/x.js';", // gateway → policy internals, by export … from
      "const name = './x.js';",
      'export const m = import(name);', // computed: tsc cannot check it
      "import '../mapping/side-effect.js';", // side-effect import of another stage
      'export type T = E | RedisConfig | typeof GatewayError;',
    ].join('\n'),
    'gateway/server/gateway.ts': "import { build } from '../pipeline/stages.js';\nexport const b = build;\n", // allowed
    'gateway/admin/status.ts': "import { build } from '../pipeline/stages.js';\nexport const b = build;\n", // composition imported outside server/
    'policy/index.ts': "export const p = 1;\n",
    'policy/compiler/x.ts': "import { GatewayError } from '../../gateway/errors.js';\nexport const s = GatewayError;\n", // policy → gateway
    'consumer/worker.ts': "import type { E } from '../gateway/events/types.js';\nexport type W = E;\n", // consumer → stage
    'cli/audit.ts': "import { x } from '../gateway/events/index.js';\nimport { r } from '../gateway/ratelimit/index.js';\nimport { j } from '../gateway/authn/jwt.js';\nexport const c = [x, r, j];\n", // two allowed, one not
  };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text + '\n');
  }
  const found = checkImportRules(root).map(formatViolation).sort();
  t.same(
    found,
    [
      "gateway/admin/status.ts:1 → ../pipeline/stages.js (gateway/pipeline/stages.ts) [composition]",
      "cli/audit.ts:3 → ../gateway/authn/jwt.js (gateway/authn/jwt.ts) [cli]",
      "consumer/worker.ts:1 → ../gateway/events/types.js (gateway/events/types.ts) [consumer]",
      "gateway/config/load.ts:1 → ../events/index.js (gateway/events/index.ts) [config]",
      "gateway/pipeline/context.ts:1 → ../events/index.js (gateway/events/index.ts) [pipeline-contract]",
      "gateway/pipeline/stages.ts:2 → ../authn/jwt.js (gateway/authn/jwt.ts) [composition]",
      "gateway/ratelimit/index.ts:1 → ../events/types.js (gateway/events/types.ts) [stage]",
      "gateway/ratelimit/index.ts:4 → ../../policy/compiler/x.js (policy/compiler/x.ts) [policy-boundary]",
      "gateway/ratelimit/index.ts:6 → import(<expression>) [stage]",
      "gateway/ratelimit/index.ts:6 → import(<expression>) [static-links]",
      "gateway/ratelimit/index.ts:7 → ../mapping/side-effect.js (gateway/mapping/side-effect.ts) [stage]",
      "gateway/shared/redis-connection.ts:1 → ../pipeline/stages.js (gateway/pipeline/stages.ts) [composition]",
      "gateway/shared/redis-connection.ts:1 → ../pipeline/stages.js (gateway/pipeline/stages.ts) [shared]",
      "policy/compiler/x.ts:1 → ../../gateway/errors.js (gateway/errors.ts) [policy-boundary]",
    ].sort(),
  );
  // every rule was broken at least once above
  const broken = new Set(checkImportRules(root).map((v) => v.rule));
  for (const rule of IMPORT_RULES) t.ok(broken.has(rule.name), `rule ${rule.name} can fail`);
});
