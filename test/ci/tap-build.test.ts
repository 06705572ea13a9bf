// tap's test class ships prebuilt with tap's default plugins, @tapjs/typescript (ts-node) among
// them. package.json removes that plugin ("!@tapjs/typescript": tsx loads the TypeScript), which
// takes effect only once `tap build` has rebuilt the class; a `tap` run that finds the class stale
// rebuilds it too late for itself (it has already taken its test processes' node arguments), so the
// first run after `npm ci` (CI's Node 20 pass) loaded ts-node beside tsx in every test process:
// twice the CPU per file. `prepare` (run by `npm ci`) builds the class first.
import { readFileSync } from 'node:fs';
import t from 'tap';

const root = new URL('../..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { scripts: Record<string, string>; tap: { plugin: string[] } };

t.test('npm ci builds tap with the configured plugins (prepare runs `tap build`)', async (t) => {
  t.ok(pkg.tap.plugin.includes('!@tapjs/typescript'), 'package.json removes the ts-node plugin');
  t.match(pkg.scripts['prepare'], /(^|&&\s*)tap build(\s*&&|$)/, 'prepare runs tap build');
});

t.test('this test process was started without ts-node (the build matched the configured plugins)', async (t) => {
  const loaders = [...process.execArgv, process.env['NODE_OPTIONS'] ?? ''].filter((a) => a.includes('@tapjs/typescript'));
  t.same(loaders, [], 'no @tapjs/typescript loader in the node arguments (run `npx tap build` after installing)');
});
