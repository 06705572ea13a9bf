// `regate config check`: validates without starting; every mistake of a file at once; exit 0/1/2.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { checkConfigFile } from '../../src/cli/config.js';
import { regate } from './run-regate.js';
import { hideBinaryen, root, spawnRegate } from './spawn-regate.js';

const dir = mkdtempSync(join(tmpdir(), 'regate-config-check-'));
const write = (name: string, text: string) => {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
};

const valid = `listen: { port: 0 }
upstreams:
  echo: { url: "http://127.0.0.1:9" }
policies: { dir: ${JSON.stringify(join(root, 'policies'))} }
routes:
  - id: car
    match: { path: /car/insurance }
    upstream: echo
    policy: insurance/decision
`;

t.test('a valid file: exit 0, nothing started', async (t) => {
  const r = regate(['config', 'check', '--config', write('ok.yaml', valid)]);
  t.equal(r.code, 0);
  t.match(r.stdout, /ok\.yaml: valid/);
  t.equal(r.stderr, '');
});

t.test('a file with several mistakes: each one with key and line, exit 1', async (t) => {
  const f = write(
    'bad.yaml',
    `listen:
  port: 99999
admin: { hots: 127.0.0.1 }
upstreams:
  echo: { url: "ftp://x" }
routes:
  - id: a
    match: { path: /a }
    upstream: missing
  - id: a
    match: { path: /b }
    upstream: echo
    auth: introspection
`,
  );
  const problems = await checkConfigFile(f, {});
  t.same(
    problems.map((p) => [p.code, p.key, p.line]),
    [
      ['GW_ERR_CONFIG', 'listen.port', 2],
      ['GW_ERR_CONFIG', 'admin.hots', 3],
      ['GW_ERR_CONFIG', 'upstreams.echo.url', 5],
      ['GW_ERR_CONFIG', 'routes[0].upstream', 9],
      ['GW_ERR_CONFIG', 'routes[1].id', 10],
      ['GW_ERR_CONFIG', 'routes[1].auth', 13],
    ],
  );
  const r = regate(['config', 'check', '--config', f]);
  t.equal(r.code, 1);
  const lines = r.stderr.split('\n').filter((l) => /bad\.yaml:\d+: /.test(l));
  t.equal(lines.length, 6, 'the command prints all six');
  t.equal(r.stdout, '');
});

t.test('after the schema: the routes\' entrypoints must compile from policies.dir', async (t) => {
  const { mkdirSync } = await import('node:fs');
  const pdir = join(dir, 'broken-policies');
  mkdirSync(pdir, { recursive: true });
  writeFileSync(join(pdir, 'p.rego'), 'package insurance\n\ndecision := {"allow": true\n');
  const f = write('broken.yaml', valid.replace(JSON.stringify(join(root, 'policies')), JSON.stringify(pdir)));
  const problems = await checkConfigFile(f, {});
  t.same(problems.map((p) => [p.key, p.line]), [['policies.dir', 4]]);
  t.match(problems[0]!.message, /p\.rego:\d+/, 'names the policy file and line');
  const missingDir = write('nodir.yaml', valid.replace(JSON.stringify(join(root, 'policies')), JSON.stringify(join(dir, 'absent'))));
  t.same((await checkConfigFile(missingDir, {})).map((p) => p.key), ['policies.dir']);
});

t.test('engine: wasm without binaryen is a problem of policies.engine; engine: js does not need it', async (t) => {
  const nodeArgs = ['--import', hideBinaryen()];
  const js = await spawnRegate(['config', 'check', '--config', write('js.yaml', valid)], { nodeArgs }).done;
  t.equal(js.code, 0, js.stderr);
  const wasmFile = write('wasm.yaml', valid.replace('policies: { dir:', 'policies: { engine: wasm, dir:'));
  const wasm = await spawnRegate(['config', 'check', '--config', wasmFile], { nodeArgs }).done;
  t.equal(wasm.code, 1);
  t.match(wasm.stderr, /wasm\.yaml:4: policies\.engine: .*binaryen/);
  // (with binaryen installed the wasm engine loads these policies: test/policy/backend/wasm/*)
});

t.test('usage errors exit 2', async (t) => {
  const { run } = await import('../../src/cli/config.js');
  const w = process.stderr.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    t.equal(await run([]), 2);
    t.equal(await run(['lint']), 2);
    t.equal(await run(['check', '--bogus']), 2);
    t.equal(await run(['check', '--config']), 2);
  } finally {
    process.stderr.write = w;
  }
});
