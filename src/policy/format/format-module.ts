/**
 * `regate policy fmt`: a module in OPA's canonical Rego v1 layout (OPA format/format.go):
 *
 * - `package`, a blank line, the imports — sorted within each group the source separated by
 *   blank lines, a blank line after each group — then the rules;
 * - a blank line between rules, except between one-line rules that were on adjacent lines;
 * - rule heads with `:=` for values, `contains` for partial sets, `if` before every body;
 *   a one-literal body on the head's line stays `if expr`, any other is a `{ … }` block
 *   indented with a tab, blank lines between literals kept (at most one);
 * - comments stay where they were: above the construct that follows them, or at the end of
 *   the line that holds their code.
 *
 * The output is a fixed point (formatting it again changes nothing) and parses to the same
 * AST, up to source positions and `=`/`:=` on rule values (the same rule in v1).
 *
 * @example
 *   formatModule('package a\nallow { input.x == 1 }\n', 'a.rego', { regoVersion: 'v0' }); // 'package a\n\nallow if input.x == 1\n'
 */
import { parseModuleIn, type DialectOptions } from '../parse-dialect.js';
import { tokenize } from '../syntax/lexer.js';
import type { Import, Literal, Module, Rule, Term } from '../syntax/ast.js';
import { FormatWriter, type SourceComment } from './writer.js';
import { TermFormatter, isIdentifier, lastLine, literalLastLine } from './format-term.js';
import { KEYWORDS } from '../syntax/tokens.js';

function scan(text: string, file: string): { comments: SourceComment[]; templates: Map<string, string> } {
  const lines = text.split('\n');
  const out: SourceComment[] = [];
  const templates = new Map<string, string>();
  for (const tok of tokenize(text, file)) {
    if (tok.kind === 'template') templates.set(`${tok.span.line}:${tok.span.col}`, text.slice(tok.start, tok.end));
    for (const c of tok.comments ?? []) {
      const before = (lines[c.span.line - 1] ?? '').slice(0, c.span.col - 1);
      out.push({ text: c.text.replace(/\s+$/, ''), line: c.span.line, col: c.span.col, trailing: before.trim() !== '' });
    }
  }
  return { comments: out.sort((a, b) => a.line - b.line || a.col - b.col), templates };
}

/** Rule end line, as far as the AST tells (its last term or literal). */
function ruleLastLine(r: Rule): number {
  let max = r.span.line;
  for (const t of [...r.ref, ...(r.args ?? []), r.contains, r.value]) if (t) max = Math.max(max, lastLine(t));
  for (const l of r.body) max = Math.max(max, literalLastLine(l));
  for (const e of r.elses) {
    max = Math.max(max, e.span.line);
    if (e.value) max = Math.max(max, lastLine(e.value));
    for (const l of e.body) max = Math.max(max, literalLastLine(l));
  }
  return max;
}

/**
 * OPA sorts a group of imports by their paths as terms (ast Import.Compare): segment by segment,
 * whatever notation wrote them (`x["default"]` before `x.test_utils`), a prefix first, then
 * by alias.
 */
function compareImports(a: Import, b: Import): number {
  const segs = (t: Term): string[] => (t.kind === 'var' ? [t.name] : t.kind === 'ref' ? [...segs(t.head), ...t.path.map((p) => (p.kind === 'string' ? p.value : ''))] : []);
  const x = segs(a.path);
  const y = segs(b.path);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  }
  if (x.length !== y.length) return x.length - y.length;
  const p = a.alias ?? '';
  const q = b.alias ?? '';
  return p < q ? -1 : p > q ? 1 : 0;
}

/** A literal that starts with `{`: after `if` it would read as a block, so it stays in one. */
function braceLead(l: Literal): boolean {
  return l.expr.kind === 'term' && ['set', 'object', 'setcomp', 'objectcomp'].includes(l.expr.term.kind);
}

class ModuleFormatter {
  private readonly w: FormatWriter;
  private readonly t: TermFormatter;

  /** some rule needs ref heads (OPA fmtOpts.refHeads): a head ref longer than two, or `p.q contains x` */
  private readonly refHeads: boolean;

  constructor(
    private readonly mod: Module,
    text: string,
  ) {
    this.refHeads = mod.rules.some((r) => r.ref.length > 2 || (r.ref.length === 2 && r.contains !== undefined && r.value === undefined));
    const { comments, templates } = scan(text, mod.file);
    this.w = new FormatWriter(comments);
    this.t = new TermFormatter(this.w, text.split('\n'), templates);
  }

  format(): string {
    const w = this.w;
    w.flushComments(this.mod.span.line);
    w.at(this.mod.span.line);
    w.write('package ' + this.path(this.mod.package));
    w.blankLine();
    // Imports and rules in source order, each run of imports grouped and sorted where it stands:
    // an import written below a rule stays there (OPA's writeModule: gatherImports/gatherRules).
    const imports = [...this.mod.imports];
    const rules = [...this.mod.rules];
    while (imports.length > 0 || rules.length > 0) {
      const firstRule = rules[0]?.span.line ?? Number.MAX_SAFE_INTEGER;
      const run = imports.filter((imp) => imp.span.line < firstRule);
      imports.splice(0, run.length);
      this.imports(run);
      const nextImport = imports[0]?.span.line ?? Number.MAX_SAFE_INTEGER;
      const count = rules.findIndex((r) => r.span.line > nextImport);
      this.rules(rules.splice(0, count < 0 ? rules.length : count), nextImport);
    }
    return w.finish();
  }

  private rules(rules: readonly Rule[], after: number): void {
    const w = this.w;
    rules.forEach((r, i) => {
      const next = rules[i + 1];
      w.flushComments(r.span.line);
      const before = w.length;
      this.rule(r, next?.span.line ?? after);
      const oneLine = w.length === before + 1;
      // Adjacent one-line rules stay together (OPA: groupableOneLiner).
      if (next && oneLine && next.span.line === ruleLastLine(r) + 1 && this.isOneLiner(r) && this.isOneLiner(next)) return;
      w.blankLine();
    });
  }

  /** Written on one line in the source, and formatted on one line too (OPA: groupableOneLiner). */
  private isOneLiner(r: Rule): boolean {
    const only = r.body[0];
    const inlineBody = r.body.length === 0 || (r.body.length === 1 && only !== undefined && !braceLead(only));
    return r.span.line === ruleLastLine(r) && r.elses.length === 0 && inlineBody;
  }

  private path(segs: readonly string[]): string {
    return segs.map((s, i) => (isIdentifier(s) ? (i === 0 ? s : '.' + s) : i === 0 ? s : `[${JSON.stringify(s)}]`)).join('');
  }

  private imports(imps: readonly Import[]): void {
    if (imps.length === 0) return;
    const groups: Import[][] = [];
    for (const imp of imps) {
      const g = groups.at(-1);
      const prev = g?.at(-1);
      if (g && prev && imp.span.line <= prev.span.line + 1) g.push(imp);
      else groups.push([imp]);
    }
    for (const g of groups) {
      this.w.flushComments(g[0]!.span.line);
      const sorted = [...g].sort(compareImports);
      for (const imp of sorted) {
        this.w.at(imp.span.line);
        this.w.write(this.importText(imp));
        this.w.endLine();
      }
      this.w.blankLine();
    }
  }

  private importText(imp: Import): string {
    const parts: string[] = [];
    const walk = (t: Term): void => {
      if (t.kind === 'var') parts.push(t.name);
      else if (t.kind === 'ref') {
        walk(t.head);
        // a keyword segment written `["default"]` keeps its brackets (OPA's shouldBracketRefTerm)
        for (const p of t.path) parts.push(p.kind === 'string' && isIdentifier(p.value) && (!KEYWORDS.has(p.value) || p.fromDot) ? '.' + p.value : `[${p.kind === 'string' ? JSON.stringify(p.value) : '?'}]`);
      }
    };
    walk(imp.path);
    return `import ${parts.join('')}${imp.alias ? ` as ${imp.alias}` : ''}`;
  }

  private head(r: Rule): void {
    const w = this.w;
    if (r.default) w.write('default ');
    const [name, ...rest] = r.ref;
    w.write(name?.kind === 'string' ? name.value : name?.kind === 'var' ? name.name : '');
    // OPA's writeHead: unless some rule of the module needs ref heads (a longer ref, or
    // `p.q contains x`), a two-part head is written `p["q"]`, however the source wrote it
    // (`default["q"]` would read as a default rule: a keyword name keeps the dot)
    const headName = name?.kind === 'string' ? name.value : name?.kind === 'var' ? name.name : '';
    const brackets = rest.length === 1 && !this.refHeads && !KEYWORDS.has(headName);
    for (const k of rest) {
      if (!brackets && k.kind === 'string' && isIdentifier(k.value) && (!KEYWORDS.has(k.value) || k.fromDot)) w.write('.' + k.value);
      else {
        w.write('[');
        this.t.term(k);
        w.write(']');
      }
    }
    if (r.args) {
      w.write('(');
      r.args.forEach((a, i) => {
        if (i > 0) w.write(', ');
        this.t.term(a);
      });
      w.write(')');
    }
    if (r.contains) {
      w.write(' contains ');
      this.t.term(r.contains);
    }
    // `f(x)` alone on its line is true for those arguments: OPA writes no value it made up
    if (r.value && !r.bodilessCall) {
      w.write(' := ');
      this.t.term(r.value);
    }
  }

  /** ` if …` for a body: inline when it is one literal on the head's line, else a block. */
  private ruleBody(body: Rule['body'], headLine: number, forceBlock: boolean, next: number): void {
    const w = this.w;
    const only = body[0];
    if (!forceBlock && body.length === 1 && only && only.span.line === headLine && !braceLead(only)) {
      w.write(' if ');
      this.t.literal(only);
      return;
    }
    w.write(' if {');
    w.endLine();
    w.up();
    this.t.body(body);
    w.flushComments(next, true);
    w.down();
    w.write('}');
  }

  private rule(r: Rule, next: number): void {
    const w = this.w;
    w.flushComments(r.span.line);
    w.at(r.span.line);
    this.head(r);
    const headLine = r.value ? lastLine(r.value) : r.contains ? lastLine(r.contains) : r.span.line;
    const hasElse = r.elses.length > 0;
    if (r.body.length > 0) this.ruleBody(r.body, headLine, hasElse, r.elses[0]?.span.line ?? next);
    for (const [i, e] of r.elses.entries()) {
      w.write(' else');
      w.reached(e.span.line);
      if (e.value) {
        w.write(' := ');
        this.t.term(e.value);
      }
      if (e.body.length > 0) this.ruleBody(e.body, e.span.line, i < r.elses.length - 1, r.elses[i + 1]?.span.line ?? next);
    }
    w.endLine();
  }
}

/**
 * The canonical text of a module; throws the parse error of an invalid one. The output is Rego
 * v1 whatever `dialect` the input is read in (for v0 input that is `opa fmt --v0-v1`).
 */
export function formatModule(text: string, file = 'module.rego', dialect: DialectOptions = {}): string {
  const mod = parseModuleIn(text, file, dialect);
  return new ModuleFormatter(mod, text).format();
}
