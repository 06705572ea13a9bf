#!/usr/bin/env node
// Prunes a production node_modules (after `npm ci --omit=dev`) to what this machine's Node runs.
//
//   node docker/prune-node-modules.mjs [--engine js|wasm] [--dry-run] <node_modules>
//
// - uWebSockets.js: both packages ship every platform's binaries (~113 MB each). Each keeps only
//   uws_<platform>_<arch>_<abi>.node for the Node running this script — the file
//   src/gateway/server/uws-loader.ts requires — in the directory the loader reads; a package with
//   no binary for this Node (the Node ≤ 20 build under Node 24) is removed whole, and the loader
//   then reports it "not installed".
// - binaryen (~104 MB) compiles policies for `engine: wasm` only. With --engine js (the default)
//   it is removed, and `engine: wasm` then fails at start with REGO_ERR_ENGINE_UNAVAILABLE naming
//   the package. With --engine wasm its library (index.js) stays and only its command-line tools
//   (bin/, 90 MB, which regate never runs) go.
//
// Run it with the Node the image runs (the Dockerfile does): the ABI comes from process.versions.
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** The uWS packages and the directory (inside the package) the loader takes the binary from. */
export const UWS_PACKAGES = [
  { name: '@btc-vision/uwebsockets.js', binDir: '.' },
  { name: '@trufflesuite/uws-js-unofficial', binDir: 'binaries' },
];

/** The binary uws-loader.ts requires on this Node. */
export function uwsBinaryName({ platform, arch, abi } = { platform: process.platform, arch: process.arch, abi: process.versions.modules }) {
  return `uws_${platform}_${arch}_${abi}.node`;
}

function sizeOf(path) {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((n, e) => n + sizeOf(join(path, e)), 0);
}

function* nativeFiles(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* nativeFiles(p);
    else if (/^uws_.*\.node$/.test(e.name)) yield p;
  }
}

/**
 * Plans the removals for `nodeModules`; `apply` performs them. Returns what was (or would be)
 * removed and kept, with byte counts.
 * @example prune('/app/node_modules', { engine: 'js' }).freed // → 2.4e8
 */
export function prune(nodeModules, { engine = 'js', binary = uwsBinaryName(), apply = true } = {}) {
  if (engine !== 'js' && engine !== 'wasm') throw new TypeError(`engine must be js or wasm, not ${engine}`);
  if (!existsSync(nodeModules)) throw new TypeError(`${nodeModules} does not exist`);
  const remove = [];
  const kept = [];
  for (const pkg of UWS_PACKAGES) {
    const root = join(nodeModules, pkg.name);
    if (!existsSync(root)) continue;
    const wanted = join(root, pkg.binDir, binary);
    if (!existsSync(wanted)) {
      remove.push(root);
      continue;
    }
    kept.push(wanted);
    for (const f of nativeFiles(root)) if (f !== wanted) remove.push(f);
  }
  const binaryen = join(nodeModules, 'binaryen');
  if (existsSync(binaryen)) {
    if (engine === 'js') remove.push(binaryen);
    else if (existsSync(join(binaryen, 'bin'))) remove.push(join(binaryen, 'bin'));
  }
  let freed = 0;
  for (const p of remove) {
    freed += sizeOf(p);
    if (apply) rmSync(p, { recursive: true, force: true });
  }
  return { removed: remove.map((p) => relative(nodeModules, p)), kept: kept.map((p) => relative(nodeModules, p)), freed };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  let engine = 'js';
  let dryRun = false;
  let dir;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--engine') engine = args[++i];
    else if (a === '--dry-run') dryRun = true;
    else if (a === '-h' || a === '--help') {
      process.stdout.write('usage: node docker/prune-node-modules.mjs [--engine js|wasm] [--dry-run] <node_modules>\n');
      process.exit(0);
    } else if (dir === undefined && !a.startsWith('-')) dir = a;
    else {
      process.stderr.write(`prune-node-modules: unexpected argument ${a}\n`);
      process.exit(2);
    }
  }
  if (dir === undefined) {
    process.stderr.write('prune-node-modules: which node_modules?\n');
    process.exit(2);
  }
  const r = prune(dir, { engine, apply: !dryRun });
  if (r.kept.length === 0) {
    // without a uWS binary the image cannot serve: fail the build, not the first start
    process.stderr.write(`prune-node-modules: no uWebSockets.js binary ${uwsBinaryName()} in ${dir}; this Node/platform has no native build\n`);
    process.exit(1);
  }
  process.stdout.write(`prune-node-modules: kept ${r.kept.join(', ')}; removed ${r.removed.length} paths, ${(r.freed / 1048576).toFixed(1)} MiB${dryRun ? ' (dry run)' : ''}\n`);
}
