/**
 * TypeScript → JavaScript for the test processes' loader (ts-loader.mjs), through a cache on disk
 * that every test process of a run shares: node_modules/.cache/regate-ts/<sha1>.js.
 *
 * Why a cache of our own: tsx keeps one too, but reaching it cost every test process ~0.5 s of CPU
 * in tsx's resolver and hooks (Node 20: on its hooks thread, one round trip per module, packages
 * included), for ~270 test files a run. Here a TypeScript file costs one read of the source, a
 * SHA-1 and one read of the cached JavaScript; esbuild (tsx's own dependency, the same transform)
 * only runs on a miss. `npm test`'s `pretest` (ts-loader-warm.mjs) fills the cache for every file
 * under src/, test/ and bench/ in one esbuild service before tap starts.
 *
 * The key is the source, its path (the source map names it) and everything that changes the
 * output: esbuild's version, the options below and tsconfig.json's compilerOptions.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const cacheDir = join(root, 'node_modules', '.cache', 'regate-ts');

// esbuild as tsx installs it (not a dependency of ours: tsx's version is the one tests ran under)
const requireFromTsx = createRequire(createRequire(join(root, 'package.json')).resolve('tsx/package.json'));
const esbuildPath = requireFromTsx.resolve('esbuild');
const esbuildVersion = JSON.parse(readFileSync(join(dirname(esbuildPath), '..', 'package.json'), 'utf8')).version;

/** tsconfig.json's compilerOptions: esbuild reads the ones that change its output (verbatimModuleSyntax, target, useDefineForClassFields). */
function compilerOptions() {
  try {
    return JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8')).compilerOptions ?? {};
  } catch {
    return {};
  }
}

/** esbuild's options for one file (the source map inline, as tsx writes it: stack traces and tap's locations point into the .ts). */
export function optionsFor(path) {
  return {
    loader: 'ts',
    format: 'esm',
    target: 'node20',
    sourcemap: 'inline',
    sourcefile: path,
    tsconfigRaw: { compilerOptions: compilerOptionsOnce },
  };
}
const compilerOptionsOnce = compilerOptions();
const salt = JSON.stringify({ v: 1, esbuildVersion, compilerOptionsOnce, target: 'node20' });

/** The cache file for a source at a path. */
export function cacheFile(path, source) {
  return join(cacheDir, createHash('sha1').update(salt).update('\0').update(path).update('\0').update(source).digest('hex') + '.js');
}

/** The cached JavaScript, or undefined. */
export function cached(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Stores a transform: written aside, then renamed, so a reader never sees half a file. */
export function store(file, code) {
  try {
    mkdirSync(cacheDir, { recursive: true });
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    writeFileSync(tmp, code);
    renameSync(tmp, file);
  } catch {
    // a read-only tree still runs, only without the cache
  }
}

let esbuild;
/** esbuild, loaded on the first miss only (its service is a child process). */
export function esbuildModule() {
  return (esbuild ??= requireFromTsx('esbuild'));
}

/** The JavaScript for a TypeScript file's source, synchronously (in-thread hooks). */
export function transformSync(path, source) {
  const file = cacheFile(path, source);
  const hit = cached(file);
  if (hit !== undefined) return hit;
  const { code } = esbuildModule().transformSync(source, optionsFor(path));
  store(file, code);
  return code;
}

/** The JavaScript for a TypeScript file's source (the hooks thread of Node 20: esbuild's asynchronous API works there). */
export async function transform(path, source) {
  const file = cacheFile(path, source);
  const hit = cached(file);
  if (hit !== undefined) return hit;
  const { code } = await esbuildModule().transform(source, optionsFor(path));
  store(file, code);
  return code;
}
