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
const { main, exitWhenFlushed } = await import(pathToFileURL(entry).href);
// A command is over when main() returns: exit then (once stdout and stderr are flushed — a pipe
// is asynchronous past its 64 KiB buffer), so that a library's stray timer cannot hold the terminal.
await exitWhenFlushed(await main(process.argv.slice(2)));
