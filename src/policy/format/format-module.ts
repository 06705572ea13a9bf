/**
 * `regate policy fmt`: a module in OPA's canonical layout (OPA format/format.go), Rego v1 unless
 * `target` asks for v0 (`opa fmt --v0-compatible`) or v0-and-v1 (`opa fmt --v0-v1`):
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
 * Target v0 (OPA AstWithOpts with RegoV0): `if` only where `future.keywords.if` (or all future
 * keywords, or `rego.v1`) is imported, and never on a partial set written `p[x]` unless
 * `contains` is imported too; without `if` every body is a `{ … }` block and no rules are
 * grouped as one-liners (OPA groupableOneLiner); rule values keep the operator they were
 * written with (`=` stays `=`, OPA writeHead: `head.Assign || regoV1`).
 * Target v0v1 (RegoV0CompatV1): the v1 layout plus `import rego.v1` (OPA ensureRegoV1Import:
 * placed after the last `future.keywords` import, else first), which makes every
 * `future.keywords` import redundant, so they go (OPA future.FilterFutureImports).
 *
 * @example
 *   formatModule('package a\nallow { input.x == 1 }\n', 'a.rego', { regoVersion: 'v0' }); // 'package a\n\nallow if input.x == 1\n'
 */
import { parseModuleIn, type DialectOptions } from '../parse-dialect.js';
import { parseModule } from '../syntax/index.js';
import { tokenize } from '../syntax/lexer.js';
import type { Import, Literal, Module, Rule, Term } from '../syntax/ast.js';
import { FormatWriter, type SourceComment } from './writer.js';
import { TermFormatter, isIdentifier, lastLine, literalLastLine } from './format-term.js';
import { KEYWORDS } from '../syntax/tokens.js';
import { sugarInfixCalls } from './infix-calls.js';

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

/** A literal that starts with `{`: after `if` it would read as a block, so it stays in one. */
function braceLead(l: Literal): boolean {
  return l.expr.kind === 'term' && ['set', 'object', 'setcomp', 'objectcomp'].includes(l.expr.term.kind);
}

class ModuleFormatter {
  private readonly lines: readonly string[];
  private readonly w: FormatWriter;
  private readonly t: TermFormatter;

  /** the imports as written out (OPA AstWithOpts adds `rego.v1` and drops redundant ones) */
  private readonly imps: readonly Import[];
  /** `if` before bodies (OPA fmtOpts.ifs) */
  private readonly ifs: boolean;
  /** `contains` for partial sets (OPA fmtOpts.contains) */
  private readonly contains: boolean;
  /** v1 syntax: `:=` for every value (OPA fmtOpts.regoV1) */
  private readonly v1: boolean;

  constructor(
    private readonly mod: Module,
    text: string,
    opts: FormatOptions,
  ) {
    const { comments, templates } = scan(text, mod.file);
    this.lines = text.split('\n');
    this.w = new FormatWriter(comments);
    this.t = new TermFormatter(this.w, this.lines, templates);
    const target = opts.target ?? 'v1';
    this.v1 = target !== 'v0';
    const future = mod.imports.map(futureKeywordOf);
    const regoV1Written = mod.imports.some(isRegoV1Import);
    this.ifs = this.v1 || regoV1Written || future.some((k) => k === '*' || k === 'if');
    this.contains = this.v1 || regoV1Written || future.some((k) => k === '*' || k === 'contains');
    let imps = mod.imports;
    if (target === 'v1' && opts.dropV0Imports === true) imps = imps.filter((i) => !isRegoV1Import(i));
    else if (target === 'v0v1' && !regoV1Written) imps = [...imps, regoV1ImportAt(imps)];
    const regoV1 = imps.some(isRegoV1Import);
    // With rego.v1 imported every future keyword is on: OPA drops the future imports then, and
    // when asked to drop v0 imports (opa fmt --drop-v0-imports).
    if (regoV1 || (target === 'v1' && opts.dropV0Imports === true)) imps = imps.filter((i) => futureKeywordOf(i) === undefined);
    this.imps = imps;
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
    const items: Item[] = [...this.imps.map((imp) => ({ imp })), ...this.mod.rules.map((rule) => ({ rule }))];
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
      // No blank line between two groupable rules on adjacent source lines (OPA writeRules:
      // groupableOneLiner, then `next.Location.Row == rule.Location.Row+1`). Groupable is about
      // the body's length, not the layout: the next rule may span lines (`q := 1 if {\n\tx\n}`)
      // or carry an `else`, and it still follows without a blank line. Unlike OPA, the first
      // rule must also come out on one line: a one-line `p if { {1} }` is written as a block,
      // and OPA's next run would then separate the two (its output is no fixed point there).
      const oneLine = w.length === before + 1;
      if (next && oneLine && next.span.line === r.span.line + 1 && this.isGroupable(r) && this.isGroupable(next)) return;
      w.blankLine();
    });
  }

  /** OPA groupableOneLiner: at most one body literal, not a default rule, and written with `if`. */
  private isGroupable(r: Rule): boolean {
    // without `if` a body is always a block (groupableOneLiner needs regoV1 or ifs)
    return this.usesIf(r) && !r.default && r.body.length <= 1;
  }

  /** Bodies get `if`: not in v0 without the keyword imported, nor on a `p[x]` partial set (OPA writeRule: partialSetException). */
  private usesIf(r: Rule): boolean {
    return this.ifs && (this.contains || r.contains === undefined);
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
    if (r.contains && this.contains) {
      w.write(' contains ');
      this.t.term(r.contains);
    } else if (r.contains) {
      w.write('[');
      this.t.term(r.contains);
      w.write(']');
    }
    // `f(x)` alone: its `true` is implied (OPA writeHead leaves out a value the parser made up)
    if (r.value && !r.bodilessCall) {
      w.write(r.assign || this.v1 ? ' := ' : ' = ');
      this.t.term(r.value);
    }
  }

  /**
   * ` if …` for a body: inline when it is one literal on the head's line, else a block (OPA
   * writeRule; an `else` after it does not change that).
   */
  private ruleBody(body: Rule['body'], headLine: number, next: number, useIf: boolean): void {
    const w = this.w;
    const only = body[0];
    if (useIf && body.length === 1 && only && only.span.line === headLine && !braceLead(only)) {
      w.write(' if ');
      this.t.literal(only);
      return;
    }
    w.write(useIf ? ' if {' : ' {');
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
    if (r.body.length > 0) this.ruleBody(r.body, headLine, r.elses[0]?.span.line ?? next, this.usesIf(r));
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
        w.write(e.assign === true || this.v1 ? ' := ' : ' = ');
        this.t.term(e.value);
      }
      if (e.body.length > 0) this.ruleBody(e.body, e.value ? lastLine(e.value) : e.span.line, r.elses[i + 1]?.span.line ?? next, this.ifs);
    }
    w.endLine();
  }
}

/** The Rego the formatter writes (OPA format.Opts.RegoVersion). */
export type FormatTarget = 'v1' | 'v0' | 'v0v1';

export interface FormatOptions extends DialectOptions {
  /** the output's dialect: v1 (default), v0 (`opa fmt --v0-compatible`), v0v1 (`opa fmt --v0-v1`) */
  target?: FormatTarget;
  /** v1: leave out `import rego.v1` and `future.keywords` imports (`opa fmt --drop-v0-imports`) */
  dropV0Imports?: boolean;
}

/** `future.keywords.X` → X, `future.keywords` → `*`, any other import → undefined. */
function futureKeywordOf(imp: Import): string | undefined {
  const s = importSegments(imp);
  if (s[0] !== 'future' || s[1] !== 'keywords' || s.length > 3) return undefined;
  return s[2] ?? '*';
}

function isRegoV1Import(imp: Import): boolean {
  const s = importSegments(imp);
  return s.length === 2 && s[0] === 'rego' && s[1] === 'v1';
}

/**
 * `import rego.v1` where OPA's ensureRegoV1Import puts it (nextImportLoc): the line after the
 * last future.keywords/rego.v1 import, else line 1 — before every other import, in their group
 * when the first one is on line 2.
 */
function regoV1ImportAt(imps: readonly Import[]): Import {
  const imp = parseModule('package p\nimport rego.v1\n', 'format', { regoVersion: 'v1' }).imports[0]!;
  const last = Math.max(0, ...imps.filter((i) => futureKeywordOf(i) !== undefined || isRegoV1Import(i)).map((i) => i.span.line));
  return { ...imp, span: { ...imp.span, line: last === 0 ? 1 : last + 1, col: 1 } };
}

/**
 * The canonical text of a module; throws the parse error of an invalid one. The input is read
 * in the `regoVersion` dialect, the output written in `target` (v1 by default: for v0 input
 * that is a migration to v1).
 */
export function formatModule(text: string, file = 'module.rego', opts: FormatOptions = {}): string {
  const mod = parseModuleIn(text, file, opts);
  sugarInfixCalls(mod);
  return new ModuleFormatter(mod, text, opts).format();
}
