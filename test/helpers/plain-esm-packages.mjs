/**
 * Registered after tsx by the test runner (package.json "tap"."node-arg"): ES modules of installed
 * packages load as plain Node loads them, without passing through tsx.
 *
 * Why: tsx rewrites every dynamic import() in every ES module it loads and appends a full source
 * map, packages included. binaryen's index.js (14.8 MB, the WASM back end's dependency) has one:
 * importing it under tsx cost 6-8 s of CPU against 0.3 s under plain Node, in every test process
 * that touches the WASM engine. Packages ship JavaScript, not TypeScript, and the gateway runs
 * them on plain Node (dist/), so this is also closer to what ships.
 */
import module from 'node:module';
import { loadSync } from './plain-esm-packages-hooks.mjs';

// the same kind of hooks tsx registers on this Node (in-thread where registerHooks exists)
if (typeof module.registerHooks === 'function') module.registerHooks({ load: loadSync });
else module.register('./plain-esm-packages-hooks.mjs', import.meta.url);
