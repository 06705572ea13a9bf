/**
 * Terms and body literals in `opa fmt`'s canonical form (OPA format/format.go):
 * operators infix with one space around them, an operator call nested in another's operand in
 * parentheses; `.name` for identifier keys, `["key"]` otherwise; a collection or comprehension
 * whose elements the source spread over several lines is written one source line per output
 * line with a trailing comma, otherwise on one line (a call's arguments too); the empty set is `set()`.
 */
import type { Expr, Literal, Span, Term, With } from '../syntax/ast.js';
import { KEYWORDS } from '../syntax/tokens.js';
import type { FormatWriter } from './writer.js';

/** Binding strength of the infix operators, loosest first (syntax/parse-term.ts). */
const PRECEDENCE: Record<string, number> = { in: 1, '==': 2, '!=': 2, '<': 2, '<=': 2, '>': 2, '>=': 2, '|': 3, '&': 4, '+': 5, '-': 5, '*': 6, '/': 6, '%': 6 };

export function isIdentifier(s: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(s);
}

/** A called function's name as a ref: `data.lib["v:1"].f` keeps the key that is no identifier. */
function callName(fn: readonly string[]): string {
  return fn.map((seg, i) => (i === 0 ? seg : isIdentifier(seg) ? '.' + seg : `[${JSON.stringify(seg)}]`)).join('');
}

function isInfix(t: Term): t is Term & { kind: 'call'; op: string } {
  return t.kind === 'call' && t.op !== undefined && PRECEDENCE[t.op] !== undefined;
}

/** The last source line a term reaches: its closing bracket's, or as far as its sub-terms tell. */
export function lastLine(t: Term): number {
  let max = Math.max(t.span.line, t.span.endLine ?? 0);
  const see = (x: Term | undefined) => {
    if (x) max = Math.max(max, lastLine(x));
  };
  switch (t.kind) {
    case 'ref':
      see(t.head);
      t.path.forEach(see);
      break;
    case 'array':
    case 'set':
      t.items.forEach(see);
      break;
    case 'object':
      t.entries.forEach(([k, v]) => (see(k), see(v)));
      break;
    case 'call':
      t.args.forEach(see);
      break;
    case 'arraycomp':
    case 'setcomp':
      see(t.term);
      t.body.forEach((l) => (max = Math.max(max, literalLastLine(l))));
      break;
    case 'objectcomp':
      see(t.key);
      see(t.value);
      t.body.forEach((l) => (max = Math.max(max, literalLastLine(l))));
      break;
    default:
      break;
  }
  return max;
}

export function literalLastLine(l: Literal): number {
  let max = l.span.line;
  const e = l.expr;
  const terms: (Term | undefined)[] =
    e.kind === 'term' ? [e.term] : e.kind === 'assign' || e.kind === 'unify' ? [e.lhs, e.rhs] : e.kind === 'some' ? e.vars : [e.key, e.value, e.coll];
  for (const t of terms) if (t) max = Math.max(max, lastLine(t));
  // OPA's writeBody counts the lines of the whole literal text, so an `every` or `not { … }`
  // block ends at its closing brace, not at its last body literal
  if (e.kind === 'every') for (const b of e.body) max = Math.max(max, literalLastLine(b));
  if (e.span.endLine !== undefined) max = Math.max(max, e.span.endLine);
  for (const w of l.with) max = Math.max(max, lastLine(w.target), lastLine(w.value));
  return max;
}

export class TermFormatter {
  constructor(
    private readonly w: FormatWriter,
    /** source lines, to see how a string was written (raw or quoted) */
    private readonly source: readonly string[],
    /** source text of each template string by `line:col` (written back verbatim) */
    private readonly templates: ReadonlyMap<string, string> = new Map(),
  ) {}

  string(value: string, t?: Term): void {
    const raw = t !== undefined && this.source[t.span.line - 1]?.[t.span.col - 1] === '`';
    if (raw && !value.includes('`')) this.w.write('`' + value + '`');
    else this.w.write(JSON.stringify(value));
  }

  /** A ref path element: `.name` or `[term]`. */
  private pathElem(k: Term): void {
    if (k.kind === 'string' && isIdentifier(k.value) && (!KEYWORDS.has(k.value) || k.fromDot)) this.w.write('.' + k.value);
    else {
      this.w.write('[');
      this.term(k);
      this.w.write(']');
    }
  }

  /** `parens`: the term is an operand of an infix call and is one itself (OPA parenthesises those). */
  term(t: Term, parens = false): void {
    this.w.at(t.span.line);
    this.termBody(t, parens);
    // what follows comes after the closing bracket: comments and blank lines are placed from there
    if (t.span.endLine !== undefined) this.w.at(t.span.endLine);
  }

  private termBody(t: Term, parens: boolean): void {
    switch (t.kind) {
      case 'null':
        return this.w.write('null');
      case 'bool':
        return this.w.write(t.value ? 'true' : 'false');
      case 'number':
        return this.w.write(t.text);
      case 'string':
        return this.string(t.value, t);
      case 'var':
        return this.w.write(t.name);
      case 'ref': {
        const headParens = isInfix(t.head);
        if (headParens) this.w.write('(');
        this.term(t.head);
        if (headParens) this.w.write(')');
        t.path.forEach((k) => this.pathElem(k));
        return;
      }
      case 'call':
        return this.call(t, parens);
      case 'array':
        return this.collection('[', ']', t.items.map((x) => [x]), t.span);
      case 'set':
        if (t.items.length === 0) return this.w.write('set()');
        return this.collection('{', '}', t.items.map((x) => [x]), t.span);
      case 'object':
        return this.collection('{', '}', t.entries, t.span);
      case 'arraycomp':
        return this.comprehension('[', ']', () => this.element(t.term), t.body, t.span.line, t.term.span.line, t.span.endLine);
      case 'setcomp':
        return this.comprehension('{', '}', () => this.element(t.term), t.body, t.span.line, t.term.span.line, t.span.endLine);
      case 'objectcomp':
        return this.comprehension(
          '{',
          '}',
          () => {
            this.element(t.key);
            this.w.write(': ');
            this.element(t.value);
          },
          t.body,
          t.span.line,
          // OPA writes the key on the bracket's line and measures the body from there
          // (writeObjectComprehension moves the value's location to the bracket's row)
          t.span.line,
          t.span.endLine,
        );
      case 'template': {
        // Its text parts and embedded expressions have their own escaping rules: keep it as written.
        const text = this.templates.get(`${t.span.line}:${t.span.col}`);
        if (text !== undefined) return this.w.write(text);
        this.w.write('$"');
        for (const p of t.parts) {
          if (typeof p === 'string') this.w.write(JSON.stringify(p).slice(1, -1));
          else {
            this.w.write('{');
            this.term(p);
            this.w.write('}');
          }
        }
        return this.w.write('"');
      }
    }
  }

  /** A collection element / comprehension term: a `|` union there would read as a comprehension. */
  private element(t: Term): void {
    const p = isInfix(t) && t.op === '|';
    if (p) this.w.write('(');
    this.term(t);
    if (p) this.w.write(')');
  }

  private call(t: Term & { kind: 'call' }, parens: boolean): void {
    // `k, v in xs` inside anything (an element, an argument, an operand) reads as a list.
    if (t.op === 'in' && t.args.length === 3) parens = true;
    if (!isInfix(t)) {
      // OPA groups the arguments by the line each starts on (groupIterable, which never breaks
      // before the first one): several lines → one group per line, as a collection's elements.
      // an argument that is a union keeps the parentheses it was written in (OPA listWriter)
      const arg = (a: Term[]) => {
        const x = a[0]!;
        if (x.span.parenthesized === true && isInfix(x) && x.op === '|') this.element(x);
        else this.term(x);
      };
      this.sequence(callName(t.fn) + '(', ')', t.args.map((x) => [x]), false, arg, t.span.endLine);
      return;
    }
    if (parens) this.w.write('(');
    this.infix(t, true);
    if (parens) this.w.write(')');
  }

  /** A function head's parameters, laid out as a call's arguments (OPA writeHead: writeIterable). */
  params(args: readonly Term[]): void {
    this.sequence('(', ')', args.map((x) => [x]), false, (a) => this.term(a[0]!));
  }

  /** An infix call; `nested`: its infix operands get parentheses (OPA's writeCall). */
  infix(t: Term & { kind: 'call'; op: string }, nested: boolean): void {
    const prec = PRECEDENCE[t.op] ?? 0;
    // At the top of an expression OPA writes operands bare; where that would parse back
    // differently (an operand binding as loosely as the operator), parentheses keep the tree.
    const operand = (a: Term, right: boolean) => {
      const need = nested ? isInfix(a) : isInfix(a) && (right ? (PRECEDENCE[a.op] ?? 0) <= prec : (PRECEDENCE[a.op] ?? 0) < prec);
      this.term(a, need);
    };
    if (t.op === 'in') {
      // OPA writeInOperator: every operand that is an operator call is parenthesised, at the top too
      const operandOfIn = (a: Term) => this.term(a, isInfix(a));
      if (t.args.length === 3) {
        operandOfIn(t.args[0]!);
        this.w.write(', ');
      }
      operandOfIn(t.args[t.args.length - 2]!);
      this.w.write(' in ');
      operandOfIn(t.args[t.args.length - 1]!);
      return;
    }
    operand(t.args[0]!, false);
    this.w.write(` ${t.op} `);
    operand(t.args[1]!, true);
  }

  /** Elements grouped by source line; several lines → one line each, trailing commas. */
  private collection(open: string, close: string, items: Term[][], span: Span): void {
    const writeItem = (it: Term[]) => {
      this.element(it[0]!);
      if (it.length === 2) {
        this.w.write(': ');
        this.element(it[1]!);
      }
    };
    const first = items[0]?.[0];
    this.sequence(open, close, items, first !== undefined && first.span.line > span.line, writeItem, span.endLine);
  }

  /**
   * `open`, the items, `close`: on one line when the items start on one source line, else one
   * line per group of items that started on the same source line, each group with a trailing
   * comma. `breakFirst`: also spread when the items all start on a line after the opening one.
   * Comments above the closing bracket (`closeLine`) stay inside, after the last item.
   */
  private sequence(open: string, close: string, items: Term[][], breakFirst: boolean, writeItem: (it: Term[]) => void, closeLine?: number): void {
    this.w.write(open);
    const groups: Term[][][] = [];
    for (const it of items) {
      const line = it[0]!.span.line;
      const g = groups.at(-1);
      if (g && g[0]![0]!.span.line === line) g.push(it);
      else groups.push([it]);
    }
    const multi = groups.length > 1 || (groups.length === 1 && breakFirst);
    if (!multi) {
      items.forEach((it, i) => {
        if (i > 0) this.w.write(', ');
        writeItem(it);
      });
      this.w.write(close);
      return;
    }
    this.w.endLine();
    this.w.up();
    for (const g of groups) {
      this.w.flushComments(g[0]![0]!.span.line);
      g.forEach((it, i) => {
        if (i > 0) this.w.write(', ');
        writeItem(it);
      });
      this.w.write(',');
      this.w.endLine();
    }
    if (closeLine !== undefined) this.w.flushComments(closeLine);
    this.w.down();
    this.w.write(close);
  }

  private comprehension(open: string, close: string, head: () => void, body: readonly Literal[], openLine: number, headLine: number, closeLine?: number): void {
    this.w.write(open);
    const multi = body.some((l) => l.span.line > headLine) || headLine > openLine;
    // OPA's writeComprehension ends the line before a head written below the bracket but does
    // not indent it: the head starts at the bracket line's indentation, the body one level in
    if (headLine > openLine) this.w.endLine();
    head();
    this.w.write(' |');
    if (!multi) {
      this.w.write(' ');
      body.forEach((l, i) => {
        if (i > 0) this.w.write('; ');
        this.literal(l);
      });
      this.w.write(close);
      return;
    }
    this.w.endLine();
    this.w.up();
    this.body(body);
    // comments under the last literal belong to the body (OPA writeComprehensionBody)
    if (closeLine !== undefined) this.w.flushComments(closeLine, false, true);
    this.w.down();
    this.w.write(close);
  }

  /** Body literals, one per line, a blank line kept where the source had one. */
  body(body: readonly Literal[]): void {
    let prevEnd = 0;
    for (const l of body) {
      // Comments bring their own blank lines (the writer keeps those of the source).
      const comments = this.w.flushComments(l.span.line);
      if (comments === 0 && prevEnd > 0 && l.span.line > prevEnd + 1) this.w.blankLine();
      this.literal(l);
      this.w.endLine();
      prevEnd = literalLastLine(l);
    }
  }

  literal(l: Literal): void {
    this.w.at(l.span.line);
    if (l.negated) this.w.write('not ');
    if (l.notBody !== undefined) this.block(l.notBody, l.span.line, l.expr.span.endLine);
    else this.expr(l.expr);
    this.withs(l);
  }

  /** `{ body }` after `every … in xs` or `not`: on one line when the source had it so. */
  private block(body: readonly Literal[], line: number, close: number | undefined): void {
    this.w.write('{');
    if (body.length === 1 && body[0]!.span.line === line) {
      this.w.write(' ');
      this.literal(body[0]!);
      this.w.write(' }');
      return;
    }
    this.w.endLine();
    this.w.up();
    this.body(body);
    if (close !== undefined) this.w.flushComments(close, false, true);
    this.w.down();
    this.w.write('}');
    if (close !== undefined) this.w.at(close); // a comment after the brace stays on its line
  }

  /**
   * OPA writeExpr: a `with` on the line where the expression ends stays on it; one the source
   * put on a later line goes on its own line, one indent deeper, and later ones on that same
   * source line follow it.
   */
  private withs(l: Literal): void {
    let lastRow = literalLastLine({ ...l, with: [] });
    let indented = false;
    for (const w of l.with) {
      if (w.span.line > lastRow) {
        if (!indented) this.w.up();
        indented = true;
        this.w.endLine();
        this.w.flushComments(w.span.line);
        lastRow = w.span.line;
      } else this.w.write(' ');
      this.with(w);
    }
    if (indented) this.w.down();
  }

  private with(w: With): void {
    this.w.at(w.span.line);
    this.w.write('with ');
    this.term(w.target);
    this.w.write(' as ');
    this.term(w.value);
  }

  private expr(e: Expr): void {
    switch (e.kind) {
      case 'term':
        if (isInfix(e.term)) this.infix(e.term, false);
        else this.term(e.term);
        return;
      case 'assign':
      case 'unify':
        this.term(e.lhs);
        this.w.write(e.kind === 'assign' ? ' := ' : ' = ');
        // the value is a term (OPA writeCall): its own infix operands get parentheses, `x := (a - b) - 1`
        if (isInfix(e.rhs) && !(e.rhs.op === 'in' && e.rhs.args.length === 3)) this.infix(e.rhs, true);
        else this.term(e.rhs);
        return;
      case 'some': {
        // OPA writeSomeDecl: a variable the source put on a later line starts a line, one indent deeper
        this.w.write('some ');
        let row = e.span.line;
        e.vars.forEach((v, i) => {
          if (v.span.line > row) {
            this.w.endLine();
            this.w.write('\t');
            row = v.span.line;
          } else if (i > 0) this.w.write(' ');
          this.term(v);
          if (i < e.vars.length - 1) this.w.write(',');
        });
        return;
      }
      case 'somein':
        this.w.write('some ');
        if (e.key) {
          this.term(e.key, isInfix(e.key));
          this.w.write(', ');
        }
        this.term(e.value, isInfix(e.value));
        this.w.write(' in ');
        this.term(e.coll, isInfix(e.coll)); // OPA writeInOperator: an operator-call operand in parentheses
        return;
      case 'every': {
        this.w.write('every ');
        if (e.key) {
          this.term(e.key);
          this.w.write(', ');
        }
        this.term(e.value);
        this.w.write(' in ');
        this.term(e.coll, isInfix(e.coll) && e.coll.op === 'in');
        this.w.write(' {');
        const single = e.body.length === 1 && e.body[0]!.span.line === e.span.line;
        if (single) {
          this.w.write(' ');
          this.literal(e.body[0]!);
          this.w.write(' }');
          return;
        }
        this.w.endLine();
        this.w.up();
        this.body(e.body);
        const close = e.span.endLine;
        if (close !== undefined) this.w.flushComments(close, false, true);
        this.w.down();
        this.w.write('}');
        if (close !== undefined) this.w.at(close); // a comment after the brace stays on its line
        return;
      }
    }
  }
}
