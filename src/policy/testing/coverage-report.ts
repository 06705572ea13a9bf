/**
 * `opa test --coverage` report (OPA cover/cover.go, its JSON shape): per file the covered and
 * not-covered line ranges, their line counts and the percentage; the same totals for all files.
 *
 * Covered lines are those a statement ran at; the lines that can be reported not covered are
 * every rule's head and expression as written (a rule no test reaches is not planned, yet OPA
 * reports its lines as not covered).
 *
 * @example
 *   buildCoverageReport(run.coverage, modules).files['a.rego'].not_covered; // [{start:{row:4},end:{row:5}}]
 */
import { parseSourceIn, type DialectOptions } from '../parse-dialect.js';
import type { Rule } from '../syntax/ast.js';
import { walkRule } from '../syntax/walk.js';
import type { ModuleSource } from '../index.js';

export interface LineRange {
  start: { row: number };
  end: { row: number };
}

export interface FileCoverage {
  covered?: LineRange[];
  not_covered?: LineRange[];
  covered_lines: number;
  not_covered_lines: number;
  coverage: number;
}

export interface CoverageReport {
  files: Record<string, FileCoverage>;
  covered_lines: number;
  not_covered_lines: number;
  coverage: number;
}

function ranges(rows: readonly number[]): LineRange[] {
  const out: LineRange[] = [];
  for (const r of [...rows].sort((a, b) => a - b)) {
    const last = out.at(-1);
    if (last && last.end.row + 1 >= r) last.end.row = Math.max(last.end.row, r);
    else out.push({ start: { row: r }, end: { row: r } });
  }
  return out;
}

/** OPA rounds the percentage to two decimals. */
function percent(covered: number, notCovered: number): number {
  const total = covered + notCovered;
  return total === 0 ? 0 : Math.round((10000 * covered) / total) / 100;
}

/**
 * The lines OPA's report can list as not covered (cover.go Report): every rule's head (else
 * branches and defaults included) and every expression's first line, those in comprehension and
 * `every` bodies too, but no `some x` declaration (includeExprInCoverage). Lines are counted from
 * the source as written, not from the plan's statements: a call nested in a multi-line
 * expression is no line of its own unless it ran.
 */
function ruleLines(r: Rule, into: Set<number>): void {
  into.add(r.span.line);
  for (const e of r.elses) into.add(e.span.line);
  walkRule(r, {
    expr: (e) => {
      if (e.kind !== 'some') into.add(e.span.line);
    },
  });
}

export function buildCoverageReport(cov: { executable: Map<string, Set<number>>; covered: Map<string, Set<number>> }, modules: readonly ModuleSource[], dialect: DialectOptions = {}): CoverageReport {
  const files: Record<string, FileCoverage> = {};
  let coveredAll = 0;
  let notCoveredAll = 0;
  for (const m of [...modules].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))) {
    const lines = new Set<number>();
    for (const r of parseSourceIn(m, dialect).rules) ruleLines(r, lines);
    // covered: every line a statement ran at (OPA: every expression evaluated, also those its
    // compiler split out of a nested call); not covered: the lines above that none ran at
    const covered = cov.covered.get(m.file) ?? new Set<number>();
    const hit = [...covered];
    const miss = [...lines].filter((l) => !covered.has(l));
    files[m.file] = {
      ...(hit.length > 0 ? { covered: ranges(hit) } : {}),
      ...(miss.length > 0 ? { not_covered: ranges(miss) } : {}),
      covered_lines: hit.length,
      not_covered_lines: miss.length,
      coverage: percent(hit.length, miss.length),
    };
    coveredAll += hit.length;
    notCoveredAll += miss.length;
  }
  return { files, covered_lines: coveredAll, not_covered_lines: notCoveredAll, coverage: percent(coveredAll, notCoveredAll) };
}
