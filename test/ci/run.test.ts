// .ci/run installs exactly the lockfile (npm ci) after checking that it matches package.json; the
// check itself runs here on the committed files, in a scratch directory (npm ci --dry-run).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';

const root = new URL('../..', import.meta.url).pathname;
const code = readFileSync(join(root, '.ci', 'run'), 'utf8')
  .split('\n')
  .filter((l) => !/^\s*#/.test(l))
  .join('\n');

t.test('.ci/run: npm ci after a dry run that fails the run loudly', async (t) => {
  t.notMatch(code, /(^|[;&|(]|\bif !?)\s*npm (install|i)\b/m, 'no npm install command');
  const dry = code.indexOf('npm ci --dry-run');
  const real = code.search(/npm ci --no-audit/);
  t.ok(dry >= 0 && real > dry, 'the dry run comes first');
  t.match(code.slice(dry, real), /exit 1/, 'a lockfile out of sync ends the run with a failure');
});

t.test('the committed lockfile is in sync with package.json (npm ci --dry-run)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'regate-lock-'));
  for (const f of ['package.json', 'package-lock.json']) copyFileSync(join(root, f), join(dir, f));
  const r = spawnSync('npm', ['ci', '--dry-run', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: dir, encoding: 'utf8', timeout: 300_000 });
  t.equal(r.status, 0, r.stderr.split('\n').filter((l) => l.startsWith('npm error')).join('\n'));
});
