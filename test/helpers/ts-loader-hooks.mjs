/**
 * The resolve and load hooks of ts-loader.mjs. `resolve`/`load` are the asynchronous forms
 * (module.register: Node 20, on the hooks thread), `resolveSync`/`loadSync` the synchronous ones
 * (module.registerHooks: Node 22.15+ and 24, on the main thread, no thread hop per module).
 *
 * Only the project's own TypeScript is touched: a relative `./x.js` that does not exist as .js
 * resolves to `./x.ts` (the NodeNext import style of src/ and test/), and a `.ts` file outside
 * node_modules loads as the JavaScript ts-transform.mjs makes of it. Packages, JSON and builtins
 * never reach anything here but the default chain.
 */
import { readFileSync } from 'node:fs';
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

export async function load(url, context, nextLoad) {
  const path = ownTs(url);
  if (path === undefined) return nextLoad(url, context);
  return { format: 'module', source: await transform(path, readFileSync(path, 'utf8')), shortCircuit: true };
}

export function loadSync(url, context, nextLoad) {
  const path = ownTs(url);
  if (path === undefined) return nextLoad(url, context);
  return { format: 'module', source: transformSync(path, readFileSync(path, 'utf8')), shortCircuit: true };
}
