/**
 * The load hook of plain-esm-packages.mjs: it answers for ES modules under node_modules with the
 * file as it is, so they never reach tsx's hook; everything else (TypeScript, CommonJS, JSON,
 * builtins) goes down the chain unchanged. Hooks registered later run first. `load` is the
 * asynchronous form (module.register, Node 20, loader thread), `loadSync` the synchronous one
 * (module.registerHooks, Node 24, which tsx uses there).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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
function plain(url, context) {
  if (!url.startsWith('file:') || !url.includes('/node_modules/') || url.includes('?')) return undefined;
  const path = fileURLToPath(url);
  const esm = path.endsWith('.mjs') || (path.endsWith('.js') && packageType(dirname(path)) === 'module');
  // import attributes (JSON) and require() of ESM keep the normal path
  if (!esm || Object.keys(context.importAttributes ?? {}).length > 0 || context.conditions?.includes('require')) return undefined;
  return { format: 'module', source: readFileSync(path), shortCircuit: true };
}

export async function load(url, context, nextLoad) {
  return plain(url, context) ?? nextLoad(url, context);
}

export function loadSync(url, context, nextLoad) {
  return plain(url, context) ?? nextLoad(url, context);
}
