// docker/prune-node-modules.mjs on a node_modules laid out like the real packages: one uWS
// binary stays (the file the loader requires), binaryen goes or loses only its CLI tools.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import t from 'tap';
import { prune, uwsBinaryName, UWS_PACKAGES } from '../../docker/prune-node-modules.mjs';
import { loadUws } from '../../src/gateway/server/uws-loader.js';

const here = uwsBinaryName();
const otherAbi = here.replace(/_(\d+)\.node$/, (_, abi: string) => `_${Number(abi) === 115 ? 137 : 115}.node`);

function fakeModules(opts: { truffleHasHere: boolean }): string {
  const nm = mkdtempSync(join(tmpdir(), 'regate-prune-'));
  const file = (p: string, bytes = 1000) => {
    mkdirSync(dirname(join(nm, p)), { recursive: true });
    writeFileSync(join(nm, p), Buffer.alloc(bytes));
  };
  for (const f of [here, otherAbi, 'uws_darwin_arm64_137.node', 'uws_win32_x64_137.node']) file(`@btc-vision/uwebsockets.js/${f}`);
  file('@btc-vision/uwebsockets.js/uws.js');
  for (const f of [otherAbi, 'uws_linux_arm_115.node', ...(opts.truffleHasHere ? [here] : [])]) file(`@trufflesuite/uws-js-unofficial/binaries/${f}`);
  file(`@trufflesuite/uws-js-unofficial/dist/${here}`); // a copy the loader never reads
  file('@trufflesuite/uws-js-unofficial/package.json');
  file('binaryen/index.js');
  file('binaryen/package.json');
  file('binaryen/bin/wasm-opt', 5000);
  file('ioredis/built/index.js');
  return nm;
}

t.test('engine js: one uWS binary per package that has one for this Node; no binaryen', async (t) => {
  const nm = fakeModules({ truffleHasHere: true });
  const r = prune(nm, { engine: 'js' });
  t.same(readdirSync(join(nm, '@btc-vision/uwebsockets.js')).sort(), [here, 'uws.js'].sort());
  t.same(readdirSync(join(nm, '@trufflesuite/uws-js-unofficial/binaries')), [here]);
  t.notOk(existsSync(join(nm, '@trufflesuite/uws-js-unofficial/dist', here)), 'copies outside the loader\'s directory go');
  t.notOk(existsSync(join(nm, 'binaryen')));
  t.ok(existsSync(join(nm, 'ioredis/built/index.js')), 'other packages are untouched');
  t.same(r.kept.sort(), [`@btc-vision/uwebsockets.js/${here}`, `@trufflesuite/uws-js-unofficial/binaries/${here}`].sort());
  t.ok(r.freed > 8000);
});

t.test('a uWS package without a binary for this Node is removed; engine wasm keeps binaryen\'s library only', async (t) => {
  const nm = fakeModules({ truffleHasHere: false });
  prune(nm, { engine: 'wasm' });
  t.notOk(existsSync(join(nm, '@trufflesuite/uws-js-unofficial')), 'the loader then reports it "not installed"');
  t.ok(existsSync(join(nm, '@btc-vision/uwebsockets.js', here)));
  t.ok(existsSync(join(nm, 'binaryen/index.js')));
  t.notOk(existsSync(join(nm, 'binaryen/bin')), 'its command-line tools go');
});

t.test('--dry-run semantics and misuse', async (t) => {
  const nm = fakeModules({ truffleHasHere: true });
  const r = prune(nm, { engine: 'js', apply: false });
  t.ok(r.removed.length > 0 && existsSync(join(nm, 'binaryen')), 'nothing removed');
  // @ts-expect-error -- an engine the script does not know, to check that it refuses it at run time
  t.throws(() => prune(nm, { engine: 'rust' }), TypeError);
  t.throws(() => prune(join(nm, 'nope')), TypeError);
});

t.test('the binary the script keeps is the one the loader loads, from the directory it reads', async (t) => {
  const { build } = loadUws();
  t.equal(build.binary, here);
  const pkg = UWS_PACKAGES.find((p) => p.name === build.package);
  t.ok(pkg, `${build.package} is one the script prunes`);
});
