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

/** An import's path as its segments: the root name, then each key. */
function importSegments(imp: Import): string[] {
  const out: string[] = [];
  const walk = (t: Term): void => {
    if (t.kind === 'var') out.push(t.name);
    else if (t.kind === 'ref') {
      walk(t.head);
      for (const p of t.path) out.push(p.kind === 'string' ? p.value : '');
    }
  };
  walk(imp.path);
  return out;
}

/** OPA Import.Compare: the paths segment by segment (a prefix first), then the aliases. */
function compareImports(a: Import, b: Import): number {
  const x = importSegments(a);
  const y = importSegments(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return (x[i] as string) < (y[i] as string) ? -1 : 1;
  }
  if (x.length !== y.length) return x.length - y.length;
  const p = a.alias ?? '';
  const q = b.alias ?? '';
  return p < q ? -1 : p > q ? 1 : 0;
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

/** A literal that starts with `{`: after `if` it would read as a block, so it stays in one. */
function braceLead(l: Literal): boolean {
  return l.expr.kind === 'term' && ['set', 'object', 'setcomp', 'objectcomp'].includes(l.expr.term.kind);
}

class ModuleFormatter {
  private readonly lines: readonly string[];
  private readonly w: FormatWriter;
  private readonly t: TermFormatter;

  constructor(
    private readonly mod: Module,
    text: string,
  ) {
    const { comments, templates } = scan(text, mod.file);
    this.lines = text.split('\n');
    this.w = new FormatWriter(comments);
    this.t = new TermFormatter(this.w, this.lines, templates);
  }

  /** Some rule's head is a ref OPA cannot write in the `p[k]` form (OPA fmtOpts.refHeads). */
  private get refHeads(): boolean {
    this.refHeadsMemo ??= this.mod.rules.some((r) => r.ref.length > 2 || (r.ref.length === 2 && r.contains !== undefined));
    return this.refHeadsMemo;
  }

  private refHeadsMemo: boolean | undefined;

  format(): string {
    const w = this.w;
    w.flushComments(this.mod.span.line);
    w.at(this.mod.span.line);
    w.write('package ' + this.path(this.mod.package));
    w.blankLine();
    // Imports and rules stay in source order, runs of each in turn (OPA writeModule: an import
    // after rules is written there, not hoisted).
    type Item = { imp: Import; rule?: undefined } | { rule: Rule; imp?: undefined };
    const items: Item[] = [...this.mod.imports.map((imp) => ({ imp })), ...this.mod.rules.map((rule) => ({ rule }))];
    const at = (x: Item) => (x.imp ?? x.rule).span;
    items.sort((a, b) => at(a).line - at(b).line || at(a).col - at(b).col);
    let k = 0;
    while (k < items.length) {
      const imps: Import[] = [];
      while (items[k]?.imp) imps.push(items[k++]!.imp!);
      this.imports(imps);
      const rules: Rule[] = [];
      while (items[k]?.rule) rules.push(items[k++]!.rule!);
      const after = items[k];
      this.rules(rules, after === undefined ? Number.MAX_SAFE_INTEGER : at(after).line);
    }
    return w.finish();
  }

  private rules(rules: readonly Rule[], end: number): void {
    const w = this.w;
    rules.forEach((r, i) => {
      const next = rules[i + 1];
      w.flushComments(r.span.line);
      const before = w.length;
      this.rule(r, next?.span.line ?? end);
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

  /**
   * The package path: `.name`, or `["name"]` for a name that is no identifier — or a keyword the
   * source wrote in brackets, `package test["if"]` (OPA keeps the written form of keywords).
   */
  private path(segs: readonly string[]): string {
    const written = (this.lines[this.mod.packageSpan.line - 1] ?? '').slice(this.mod.packageSpan.col - 1);
    const bracketed = (s: string) => !isIdentifier(s) || (KEYWORDS.has(s) && written.includes(`[${JSON.stringify(s)}]`));
    return segs.map((s, i) => (i === 0 ? s : bracketed(s) ? `[${JSON.stringify(s)}]` : '.' + s)).join('');
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
        // a keyword written as `["package"]` keeps its brackets (OPA shouldBracketRefTerm)
        for (const p of t.path) parts.push(p.kind === 'string' && isIdentifier(p.value) && (!KEYWORDS.has(p.value) || p.fromDot === true) ? '.' + p.value : `[${p.kind === 'string' ? JSON.stringify(p.value) : '?'}]`);
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
    // Unless some rule of the module needs a ref head, OPA writes `p["q"]` for a two-part head
    // (writeHead: `foo["bar"] := 1`, not `foo.bar := 1`), so older OPAs read it the same way.
    // (a keyword as the name, `default.foo`, `null.x`, only parses back in the dotted form)
    const headName = name?.kind === 'string' ? name.value : name?.kind === 'var' ? name.name : '';
    const bracketAll = !this.refHeads && rest.length === 1 && !KEYWORDS.has(headName);
    for (const k of rest) {
      if (!bracketAll && k.kind === 'string' && isIdentifier(k.value)) w.write('.' + k.value);
      else {
        w.write('[');
        this.t.term(k);
        w.write(']');
      }
    }
    if (r.args) this.t.params(r.args);
    if (r.contains) {
      w.write(' contains ');
      this.t.term(r.contains);
    }
    // `f(x)` alone: its `true` is implied (OPA writeHead leaves out a value the parser made up)
    if (r.value && !r.bodilessCall) {
      w.write(' := ');
      this.t.term(r.value);
    }
  }

  /**
   * ` if …` for a body: inline when it is one literal on the head's line, else a block (OPA
   * writeRule; an `else` after it does not change that).
   */
  private ruleBody(body: Rule['body'], headLine: number, next: number): void {
    const w = this.w;
    const only = body[0];
    if (body.length === 1 && only && only.span.line === headLine && !braceLead(only)) {
      w.write(' if ');
      this.t.literal(only);
      return;
    }
    w.write(' if {');
    w.endLine();
    w.up();
    this.t.body(body);
    w.flushComments(next, true, true);
    w.down();
    w.write('}');
    // a comment after the closing brace stays on its line
    const trailing = w.trailingBefore(next);
    if (trailing !== undefined) w.at(trailing);
  }

  private rule(r: Rule, next: number): void {
    const w = this.w;
    w.flushComments(r.span.line);
    w.at(r.span.line);
    this.head(r);
    const headLine = r.value ? lastLine(r.value) : r.contains ? lastLine(r.contains) : r.span.line;
    if (r.body.length > 0) this.ruleBody(r.body, headLine, r.elses[0]?.span.line ?? next);
    for (const [i, e] of r.elses.entries()) {
      // OPA writeElse: `} else` when the source had the else after the previous part, on a later
      // line than its start, and no comment above it; else a blank line, the comments, `else` on
      // its own line
      const row = e.span.line - (i === 0 ? r.span.line : r.elses[i - 1]!.span.line);
      const inline = row > 0 && !(this.lines[e.span.line - 1] ?? '').trim().startsWith('else');
      if (inline && !w.hasCommentsBefore(e.span.line)) {
        w.at(e.span.line); // a comment opening the else body is placed from the `else` line
        w.write(' else');
      } else {
        w.blankLine();
        w.flushComments(e.span.line);
        w.at(e.span.line);
        w.write('else');
      }
      if (e.value) {
        w.write(' := ');
        this.t.term(e.value);
      }
      if (e.body.length > 0) this.ruleBody(e.body, e.value ? lastLine(e.value) : e.span.line, r.elses[i + 1]?.span.line ?? next);
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
