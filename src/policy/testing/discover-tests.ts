/**
 * Finds the tests of a set of modules as `opa test` does (OPA tester/runner.go): rules named
 * `test_*` (or `todo_test_*`, reported as skipped) with no arguments and a one-segment head.
 *
 * Several definitions of one test name are several tests in OPA, each run on its own and
 * reported as `name`, `name#01`, `name#02`, …. A rule with several definitions is one document
 * to the compiler, so every definition after the first is renamed in the source text (on its
 * head line only, so line numbers and coverage are unchanged) and planned as its own entrypoint;
 * a chained body (`test_a { x } { y }`) is split off into a rule of its own on the same line.
 *
 * @example
 *   const { modules, tests } = discoverTests([{ file: 'a_test.rego', text }]);
 *   tests.map((t) => t.name); // ['test_a', 'test_a#01']
 */
import { parseSourceIn, type DialectOptions } from '../parse-dialect.js';
import type { ModuleSource } from '../index.js';

export interface TestCase {
  /** `data.pkg.test_x` (with `#01`… for further definitions), as OPA prints it */
  readonly fullName: string;
  /** `data.pkg` */
  readonly pkg: string;
  /** `test_x`, `test_x#01` */
  readonly name: string;
  /** the plan that runs it (`pkg/test_x`) */
  readonly entrypoint: string;
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** a `todo_test_` rule: listed, not run */
  readonly skip: boolean;
}

const DUP_SUFFIX = '__regate_def';

export function discoverTests(modules: readonly ModuleSource[], dialect: DialectOptions = {}): { modules: ModuleSource[]; tests: TestCase[] } {
  const tests: TestCase[] = [];
  const seen = new Map<string, number>();
  const out: ModuleSource[] = [];
  for (const m of modules) {
    const mod = parseSourceIn(m, dialect);
    const lines = m.text.split('\n');
    // characters inserted so far on a line (several definitions may share one)
    const shift = new Map<number, number>();
    let changed = false;
    for (const r of mod.rules) {
      const head = r.ref[0];
      const name = head?.kind === 'string' ? head.value : head?.kind === 'var' ? head.name : undefined;
      if (head === undefined || name === undefined || r.ref.length !== 1 || (r.args !== undefined && r.args.length > 0)) continue;
      const skip = name.startsWith('todo_test_');
      if (!skip && !name.startsWith('test_')) continue;
      const key = [...mod.package, name].join('/');
      const n = seen.get(key) ?? 0;
      seen.set(key, n + 1);
      let ruleName = name;
      if (n > 0) {
        ruleName = `${name}${DUP_SUFFIX}${n}`;
        if (r.chained) {
          // `test_a { x } { y }`: the second body becomes a rule of its own on the same line,
          // `test_a { x }; test_a__regate_def1 { y }` (with `if` where v1's rules apply)
          const li = r.span.line - 1;
          const at = r.span.col - 1 + (shift.get(li) ?? 0);
          const line = lines[li] ?? '';
          if (line[at] !== '{') continue;
          const insert = `; ${ruleName}${mod.regoVersion === 'v1' || mod.regoV1 ? ' if' : ''} `;
          lines[li] = line.slice(0, at) + insert + line.slice(at);
          shift.set(li, (shift.get(li) ?? 0) + insert.length);
        } else {
          // Rename this definition where its name is written: line and column of the head.
          const li = head.span.line - 1;
          const line = lines[li] ?? '';
          const at = head.span.col - 1 + (shift.get(li) ?? 0);
          if (line.slice(at, at + name.length) !== name) continue; // not written plainly: leave it merged
          lines[li] = line.slice(0, at) + ruleName + line.slice(at + name.length);
          shift.set(li, (shift.get(li) ?? 0) + ruleName.length - name.length);
        }
        changed = true;
      }
      const pkg = ['data', ...mod.package].join('.');
      const shown = n > 0 ? `${name}#${String(n).padStart(2, '0')}` : name;
      tests.push({ fullName: `${pkg}.${shown}`, pkg, name: shown, entrypoint: [...mod.package, ruleName].join('/'), file: m.file, line: r.span.line, col: r.span.col, skip });
    }
    out.push(changed ? { ...m, text: lines.join('\n') } : m);
  }
  return { modules: out, tests };
}
