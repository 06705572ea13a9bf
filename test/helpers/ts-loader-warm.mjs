/**
 * `npm test`'s `pretest`: fills ts-loader's transform cache (ts-transform.mjs) for every
 * TypeScript file under src/, test/ and bench/ with one esbuild service, so no test process pays
 * for esbuild's start-up or a transform (~270 processes a run, Node 20 and Node 24 alike; the
 * cache key includes nothing of Node's). Files already cached are read, not transformed again.
 */
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, cacheFile, cached, esbuildModule, optionsFor, root, store } from './ts-transform.mjs';

/** Every .ts file under a directory (node_modules and dot-directories skipped). */
function tsFiles(dir, out = []) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) tsFiles(p, out);
    else if (/\.(ts|mts|cts)$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const files = ['src', 'test', 'bench', 'examples'].flatMap((d) => tsFiles(join(root, d)));
const misses = [];
const current = new Set();
for (const path of files) {
  const source = readFileSync(path, 'utf8');
  const file = cacheFile(path, source);
  current.add(file);
  if (cached(file) === undefined) misses.push({ path, source, file });
}

// Entries for sources as they no longer are (every edit leaves one): dropped once an hour old,
// so a run going on beside this one keeps what it reads.
const hourAgo = Date.now() - 3600_000;
let names = [];
try {
  names = readdirSync(cacheDir);
} catch {
  // no cache yet
}
for (const name of names) {
  const file = join(cacheDir, name);
  if (current.has(file)) continue;
  try {
    if (statSync(file).mtimeMs < hourAgo) rmSync(file, { force: true });
  } catch {
    // gone already
  }
}
if (misses.length > 0) {
  const esbuild = esbuildModule();
  await Promise.all(
    misses.map(async ({ path, source, file }) => {
      try {
        store(file, (await esbuild.transform(source, optionsFor(path))).code);
      } catch {
        // a file esbuild rejects fails in the test that loads it, with esbuild's message
      }
    }),
  );
  esbuild.stop?.();
}
console.error(`ts-loader: ${files.length} TypeScript files, ${misses.length} transformed, ${files.length - misses.length} cached`);
