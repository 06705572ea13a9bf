// .ci/debian-source.sh: the Debian 13 source for .ci/node24.sh comes from the machine's own apt
// configuration (deb822 or one-line), so the repository names no package host.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';

const root = new URL('../..', import.meta.url).pathname;
const script = join(root, '.ci', 'debian-source.sh');

function run(files: Record<string, string>, codename = 'bookworm') {
  const dir = mkdtempSync(join(tmpdir(), 'regate-apt-'));
  mkdirSync(join(dir, 'apt', 'sources.list.d'), { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, 'apt', name), text);
  writeFileSync(join(dir, 'os-release'), `ID=debian\nVERSION_CODENAME=${codename}\n`);
  const r = spawnSync('bash', [script, 'trixie'], { env: { ...process.env, APT_ETC: join(dir, 'apt'), OS_RELEASE: join(dir, 'os-release') }, encoding: 'utf8' });
  return { code: r.status, out: r.stdout.trim(), err: r.stderr };
}

t.test('deb822: the URI and keyring of the entry for this release, not -security', async (t) => {
  const r = run({
    'sources.list.d/debian.sources': `Types: deb
URIs: http://mirror.test/debian-security
Suites: bookworm-security
Components: main
Signed-By: /k/security.gpg

Types: deb deb-src
# a comment inside the paragraph
URIs: http://mirror.test/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /k/archive.gpg
`,
  });
  t.equal(r.code, 0, r.err);
  t.equal(r.out, 'deb [signed-by=/k/archive.gpg] http://mirror.test/debian trixie main');
});

t.test('deb822: disabled entries and inline keys; one-line lists with options; the default keyring', async (t) => {
  const disabled = run({
    'sources.list.d/a.sources': 'Enabled: no\nTypes: deb\nURIs: http://off.test/debian\nSuites: bookworm\nComponents: main\n',
    'sources.list.d/b.sources': 'Types: deb\nURIs: http://on.test/debian\nSuites: bookworm\nComponents: main\nSigned-By:\n -----BEGIN PGP PUBLIC KEY BLOCK-----\n .\n xyz\n',
  });
  t.equal(disabled.out, 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://on.test/debian trixie main');
  const oneLine = run({ 'sources.list': '# old style\ndeb-src http://src.test/debian bookworm main\ndeb [arch=amd64 signed-by=/k/x.gpg] http://list.test/debian bookworm main contrib\n' });
  t.equal(oneLine.out, 'deb [signed-by=/k/x.gpg] http://list.test/debian trixie main');
  const plain = run({ 'sources.list.d/x.list': 'deb http://plain.test/debian bookworm main\n' });
  t.equal(plain.out, 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://plain.test/debian trixie main');
});

t.test('no source for this release: a clear failure, nothing printed', async (t) => {
  const r = run({ 'sources.list': 'deb http://x.test/debian bullseye main\n' });
  t.equal(r.code, 1);
  t.equal(r.out, '');
  t.match(r.err, /no apt source for bookworm/);
});

t.test('the scripts that download name no package host', async (t) => {
  for (const f of ['.ci/run', '.ci/node24.sh', '.ci/debian-source.sh', 'docker/Dockerfile']) {
    const text = readFileSync(join(root, f), 'utf8');
    t.notMatch(text.replace(/^\s*#.*$/gm, ''), /[a-z0-9-]+\.(debian\.org|npmjs\.(org|com)|githubusercontent\.com)|https?:\/\/(?!127\.0\.0\.1|localhost)[a-z0-9.-]+\.[a-z]{2,}/i, f);
  }
});
