/**
 * The load hook of plain-esm-packages.mjs (it runs on Node's loader thread). Hooks registered
 * later run first: this one answers for ES modules under node_modules and never reaches tsx's.
 * Everything else (TypeScript, CommonJS, JSON, builtins) goes down the chain unchanged.
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

export async function load(url, context, nextLoad) {
  if (url.startsWith('file:') && url.includes('/node_modules/') && !url.includes('?')) {
    const path = fileURLToPath(url);
    const esm = path.endsWith('.mjs') || (path.endsWith('.js') && packageType(dirname(path)) === 'module');
    // import attributes (JSON) and require() of ESM keep the normal path
    if (esm && Object.keys(context.importAttributes ?? {}).length === 0 && !context.conditions?.includes('require')) {
      return { format: 'module', source: readFileSync(path), shortCircuit: true };
    }
  }
  return nextLoad(url, context);
}
