#!/usr/bin/env node
// Thin launcher: the CLI lives in the compiled dist/ (built by `npm install` via `prepare`).
// When dist/ is missing (a checkout before its first build) we say how to fix it instead of a stack trace.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const entry = join(root, 'dist', 'cli', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write('regate: dist/ is missing; run `npm install` (or `npm run build`) first\n');
  process.exit(2);
}
const { main } = await import(pathToFileURL(entry).href);
// A command is over when main() returns: exit then, so that a library's stray timer (ioredis
// keeps its connect timer after a refused connection) cannot hold the terminal. stdout and
// stderr are synchronous for files and pipes on Linux, so nothing written is lost.
process.exit(await main(process.argv.slice(2)));
