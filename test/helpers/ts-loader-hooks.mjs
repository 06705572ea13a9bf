/**
 * The resolve and load hooks of ts-loader.mjs. `resolve`/`load` are the asynchronous forms
 * (module.register: Node 20, on the hooks thread), `resolveSync`/`loadSync` the synchronous ones
 * (module.registerHooks: Node 22.15+ and 24, on the main thread, no thread hop per module).
 *
 * Only the project's own TypeScript is touched: a relative `./x.js` that does not exist as .js
 * resolves to `./x.ts` (the NodeNext import style of src/ and test/), and a `.ts` file outside
 * node_modules loads as the JavaScript ts-transform.mjs makes of it.
 *
 * An installed package's ES module is answered here too, with the file as it is: hooks registered
 * earlier run later, and tap's processinfo hooks (registered before this loader, in every test
 * process) otherwise read each package file again, post its text to the main thread and split it
 * into lines there — binaryen's 14.8 MB index.js among them: +0.6-1 s of CPU per test process that
 * loads the WASM engine (measured on Node 20). Only the project's own modules, CommonJS, JSON
 * and builtins go down the chain.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transform, transformSync } from './ts-transform.mjs';

const TS = /\.(ts|mts|cts)$/;

/** The .ts URL a failed relative `.js`/`.mjs`/extensionless specifier stands for, or undefined. */
function tsCandidates(specifier, parentURL) {
  if (!parentURL?.startsWith('file:') || parentURL.includes('/node_modules/')) return [];
  if (!(specifier.startsWith('./') || specifier.startsWith('../') || specifier.startsWith('/') || specifier.startsWith('file:'))) return [];
  const base = new URL(specifier, parentURL);
  const p = base.pathname;
  if (p.endsWith('.js')) return [new URL(p.slice(0, -3) + '.ts', base)];
  if (p.endsWith('.mjs')) return [new URL(p.slice(0, -4) + '.mts', base)];
  if (p.endsWith('.cjs')) return [new URL(p.slice(0, -4) + '.cts', base)];
  if (!/\.[a-z]+$/i.test(p)) return [new URL(p + '.ts', base), new URL(p.replace(/\/?$/, '/index.ts'), base)];
  return [];
}

const notFound = (err) => err?.code === 'ERR_MODULE_NOT_FOUND' || err?.code === 'ERR_UNSUPPORTED_DIR_IMPORT';

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (err) {
    if (!notFound(err)) throw err;
    for (const url of tsCandidates(specifier, context.parentURL)) {
      try {
        return await nextResolve(url.href, context);
      } catch {
        // the next candidate
      }
    }
    throw err;
  }
}

export function resolveSync(specifier, context, nextResolve) {
  try {
    return nextResolve(specifier, context);
  } catch (err) {
    if (!notFound(err)) throw err;
    for (const url of tsCandidates(specifier, context.parentURL)) {
      try {
        return nextResolve(url.href, context);
      } catch {
        // the next candidate
      }
    }
    throw err;
  }
}

/** A project TypeScript file's path, or undefined. */
function ownTs(url) {
  if (!url.startsWith('file:') || url.includes('/node_modules/')) return undefined;
  const path = fileURLToPath(url);
  return TS.test(path) ? path : undefined;
}

/** package.json "type" of the nearest package.json above a directory, cached per directory. */
const typeOfDir = new Map();
function packageType(dir) {
  const known = typeOfDir.get(dir);
  if (known !== undefined) return known;
  let type;
  try {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    type = pkg.type === 'module' ? 'module' : 'commonjs';
  } catch {
    const up = dirname(dir);
    type = up === dir ? 'commonjs' : packageType(up);
  }
  typeOfDir.set(dir, type);
  return type;
}

/** The plain answer for an installed package's ES module, or undefined to pass it on. */
function packageEsm(url, context) {
  if (!url.startsWith('file:') || !url.includes('/node_modules/') || url.includes('?')) return undefined;
  const path = fileURLToPath(url);
  const esm = path.endsWith('.mjs') || (path.endsWith('.js') && packageType(dirname(path)) === 'module');
  // import attributes (JSON) and require() of ESM keep the normal path
  if (!esm || Object.keys(context.importAttributes ?? {}).length > 0 || context.conditions?.includes('require')) return undefined;
  return { format: 'module', source: readFileSync(path), shortCircuit: true };
}

export async function load(url, context, nextLoad) {
  const path = ownTs(url);
  if (path === undefined) return packageEsm(url, context) ?? nextLoad(url, context);
  return { format: 'module', source: await transform(path, readFileSync(path, 'utf8')), shortCircuit: true };
}

export function loadSync(url, context, nextLoad) {
  const path = ownTs(url);
  if (path === undefined) return packageEsm(url, context) ?? nextLoad(url, context);
  return { format: 'module', source: transformSync(path, readFileSync(path, 'utf8')), shortCircuit: true };
}
