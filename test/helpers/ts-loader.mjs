/**
 * The test processes' TypeScript loader (package.json "tap"."node-arg"), in place of tsx.
 *
 * Why: on a 2-core CI machine the test run is CPU-bound, and tsx's start-up and per-module hooks
 * cost every test process ~0.5 s of CPU beyond plain Node (Node 20, where its hooks run on a
 * separate thread and every import of every package crossed to it). This loader does only what
 * the suite needs — `./x.js` → `./x.ts` for the project's files and the transform of those files,
 * from a cache on disk shared by the run (ts-transform.mjs) — and leaves packages to Node itself,
 * so they load as on plain Node (binaryen's 14.8 MB index.js had cost 6-8 s through tsx).
 * tsx stays for what starts its own processes or workers from the sources (`--import tsx`).
 */
import module from 'node:module';
import { loadSync, resolveSync } from './ts-loader-hooks.mjs';

// in-thread where Node has it (no hop to a hooks thread per module), else the hooks thread
if (typeof module.registerHooks === 'function') module.registerHooks({ resolve: resolveSync, load: loadSync });
else module.register('./ts-loader-hooks.mjs', import.meta.url);

// Worker threads that src/ starts from the sources (gateway workers, the compile thread, `policy
// test`'s evaluator) register a TypeScript loader themselves: this one, not tsx, when it is set.
process.env['REGATE_TS_LOADER'] ??= import.meta.url;
