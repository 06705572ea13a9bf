/**
 * `regate policy fmt [flags] [path...]` — `opa fmt`: prints each .rego file (directories
 * recursively) in OPA's canonical layout (policy/format/format-module.ts); without a path,
 * formats stdin to stdout. `--write` rewrites the files, `--list` names those that change,
 * `--diff` prints a unified diff, `--fail` exits 1 when a file would change.
 * The dialects are chosen as OPA's cmd/fmt.go chooses them (fmtCommandParams.regoVersion and
 * formatFile's parser options): by default v1 in, v1 out; `--v0-compatible` v0 in, v0 out;
 * `--v0-v1` (or `--rego-v1`) v0 in — v1 with `--v1-compatible` — and out a module both read
 * the same (v1 syntax plus `import rego.v1`). `--drop-v0-imports` drops `rego.v1` and
 * `future.keywords` imports from v1 output; `--check-result` (on by default, as opa) parses the
 * output again in its dialect before writing it.
 * Exit code: 0; 1 with --fail when a file is not formatted, or on a parse error.
 */
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RegoError } from '../../policy/index.js';
import { formatModule, type FormatOptions } from '../../policy/format/format-module.js';
import { parseModuleIn } from '../../policy/parse-dialect.js';
import type { ParsedArgs } from './args.js';
import { renderError, type Subcommand } from './common.js';

/**
 * Input and output dialects of the flags, as opa fmt: `--v0-v1` writes v0v1 (read as v0, or v1
 * with --v1-compatible), else `--v0-compatible` v0, else v1. The v0v1 input is parsed as v0:
 * OPA's SourceWithOpts lifts v1's `if`/`contains`/body requirements for it, as adding them is
 * the formatter's job.
 */
function fmtOptionsOf(a: ParsedArgs): FormatOptions {
  const dropV0Imports = a.bool('drop-v0-imports');
  if (a.bool('v0-v1') || a.bool('rego-v1')) return { target: 'v0v1', regoVersion: a.bool('v1-compatible') && !a.bool('v0-compatible') ? 'v1' : 'v0', dropV0Imports };
  if (a.bool('v0-compatible')) return { target: 'v0', regoVersion: 'v0', dropV0Imports };
  return { target: 'v1', dropV0Imports };
}

/** opa fmt --check-result: the output parses in the dialect it was written for. */
function formatChecked(text: string, file: string, a: ParsedArgs): string {
  const opts = fmtOptionsOf(a);
  const out = formatModule(text, file, opts);
  if (a.one('check-result') !== 'false') {
    try {
      parseModuleIn(out, file, { regoVersion: opts.target ?? 'v1' });
    } catch (e) {
      throw new RegoError('REGO_ERR_FORMAT_RESULT', `${file} was formatted, but the result does not parse (--check-result=false prints it): ${renderError(e)}`);
    }
  }
  return out;
}

async function regoFiles(path: string): Promise<string[]> {
  let s;
  try {
    s = await stat(path);
  } catch {
    throw new RegoError('REGO_ERR_FILE', `${path}: no such file or directory`);
  }
  if (!s.isDirectory()) return [path];
  const out: string[] = [];
  for (const e of (await readdir(path, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (e.name.startsWith('.')) continue;
    const p = join(path, e.name);
    if (e.isDirectory()) out.push(...(await regoFiles(p)));
    else if (e.name.endsWith('.rego')) out.push(p);
  }
  return out;
}

/** A unified diff of two texts (whole-file hunks are enough to review a reformat). */
export function unifiedDiff(file: string, a: string, b: string): string {
  const x = a.split('\n');
  const y = b.split('\n');
  // Longest common subsequence by dynamic programming: files are policy-sized.
  const n = x.length;
  const m = y.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i]![j] = x[i] === y[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const lines: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && x[i] === y[j]) (lines.push(' ' + x[i]), i++, j++);
    else if (i < n && (j >= m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) lines.push('-' + x[i++]);
    else lines.push('+' + y[j++]);
  }
  return `--- ${file}\n+++ ${file} (formatted)\n@@ -1,${n} +1,${m} @@\n${lines.join('\n')}\n`;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export const fmtCommand: Subcommand = {
  name: 'fmt',
  synopsis: 'fmt [flags] [path...]',
  description: "Formats Rego files in OPA's canonical layout, like `opa fmt` (stdin to stdout without a path).\nDialects: v1 in and out; --v0-compatible: v0 in and out; --v0-v1: v0 in (v1 with --v1-compatible), out both read the same.\nExit code: 0; 1 with --fail when a file is not formatted, or when a file does not parse.",
  flags: [
    { name: 'write', short: 'w', help: 'rewrite the files in place' },
    { name: 'list', short: 'l', help: 'print the names of the files that are not formatted' },
    { name: 'diff', short: 'd', help: 'print what would change as a diff' },
    { name: 'fail', help: 'exit 1 when a file is not formatted' },
    { name: 'v0-v1', help: 'write modules Rego v0 and v1 read the same (v1 syntax and `import rego.v1`); the input is v0, or v1 with --v1-compatible' },
    { name: 'rego-v1', help: 'the same as --v0-v1 (its name before OPA 1.0)' },
    { name: 'drop-v0-imports', help: 'leave out `import rego.v1` and `future.keywords` imports (redundant in v1)' },
    { name: 'check-result', help: 'parse the formatted module again before writing it (on by default; --check-result=false turns it off)' },
  ],
  async run(a: ParsedArgs): Promise<number> {
    if (a.positional.length === 0) {
      const text = await readStdin();
      const out = formatChecked(text, '<stdin>', a);
      if (a.bool('diff')) process.stdout.write(out === text ? '' : unifiedDiff('<stdin>', text, out));
      else if (a.bool('list')) process.stdout.write(out === text ? '' : '<stdin>\n');
      else process.stdout.write(out);
      return a.bool('fail') && out !== text ? 1 : 0;
    }
    const files: string[] = [];
    for (const p of a.positional) files.push(...(await regoFiles(p)));
    let changed = 0;
    let failed = 0;
    for (const f of files) {
      const text = await readFile(f, 'utf8');
      let out: string;
      try {
        out = formatChecked(text, f, a);
      } catch (e) {
        // One file's parse error does not stop the others; it is reported once, located.
        process.stderr.write(renderError(e) + '\n');
        failed++;
        continue;
      }
      const differs = out !== text;
      if (differs) changed++;
      if (a.bool('list')) {
        if (differs) process.stdout.write(f + '\n');
      } else if (a.bool('diff')) {
        if (differs) process.stdout.write(unifiedDiff(f, text, out));
      } else if (!a.bool('write')) process.stdout.write(out);
      if (a.bool('write') && differs) await writeFile(f, out);
    }
    if (failed > 0) return 1;
    return a.bool('fail') && changed > 0 ? 1 : 0;
  },
};
