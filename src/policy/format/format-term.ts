/**
 * Terms and body literals in `opa fmt`'s canonical form (OPA format/format.go):
 * operators infix with one space around them, an operator call nested in another's operand in
 * parentheses; `.name` for identifier keys, `["key"]` otherwise; a collection or comprehension
 * whose elements the source spread over several lines is written one source line per output
 * line with a trailing comma, otherwise on one line; the empty set is `set()`.
 */
import type { Expr, Literal, Term, With } from '../syntax/ast.js';
import { KEYWORDS } from '../syntax/tokens.js';
import type { FormatWriter } from './writer.js';

/** Terms written between brackets of their own, which may close on a later line. */
const BRACKETED = new Set<Term['kind']>(['array', 'set', 'object', 'arraycomp', 'setcomp', 'objectcomp', 'call']);

/** Binding strength of the infix operators, loosest first (syntax/parse-term.ts). */
const PRECEDENCE: Record<string, number> = { in: 1, '==': 2, '!=': 2, '<': 2, '<=': 2, '>': 2, '>=': 2, '|': 3, '&': 4, '+': 5, '-': 5, '*': 6, '/': 6, '%': 6 };

export function isIdentifier(s: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(s);
}

function isInfix(t: Term): t is Term & { kind: 'call'; op: string } {
  return t.kind === 'call' && t.op !== undefined && PRECEDENCE[t.op] !== undefined;
}

/** The last source line a term reaches (as far as its sub-terms tell). */
export function lastLine(t: Term): number {
  let max = t.span.line;
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
  if (e.kind === 'every') for (const b of e.body) max = Math.max(max, literalLastLine(b));
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
    this.termText(t, parens);
    // a bracket closing below the term's first line: comments after it follow it directly
    if (BRACKETED.has(t.kind) && !(t.kind === 'call' && isInfix(t))) this.w.reached(this.termEndLine(t));
  }

  private termText(t: Term, parens: boolean): void {
    this.w.at(t.span.line);
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
        return this.collection('[', ']', t.items.map((x) => [x]), t.span.line, undefined, closingLine(this.source, t.span, '[', ']'));
      case 'set':
        if (t.items.length === 0) return this.w.write('set()');
        return this.collection('{', '}', t.items.map((x) => [x]), t.span.line, undefined, closingLine(this.source, t.span, '{', '}'));
      case 'object':
        return this.collection('{', '}', t.entries, t.span.line, undefined, closingLine(this.source, t.span, '{', '}'));
      case 'arraycomp':
        return this.comprehension('[', ']', () => this.element(t.term), t.body, t.span.line, t.term.span.line);
      case 'setcomp':
        return this.comprehension('{', '}', () => this.element(t.term), t.body, t.span.line, t.term.span.line);
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
      this.w.write(t.fn.join('.'));
      // OPA measures the first line break from the function name, whose text holds no argument:
      // a break before the first argument alone does not spread the call (writeFunctionCallPlain)
      // a union argument keeps parentheses only where the source had them (OPA's listWriter)
      const arg = (a: Term): void => {
        const p = isInfix(a) && a.op === '|' && this.sourceParens(a, a === t.args[0]);
        if (p) this.w.write('(');
        this.term(a);
        if (p) this.w.write(')');
      };
      this.collection('(', ')', t.args.map((a) => [a]), t.args[0]?.span.line ?? t.span.line, arg, closingLine(this.source, t.span, '(', ')'));
      return;
    }
    if (parens) this.w.write('(');
    this.infix(t, true);
    if (parens) this.w.write(')');
  }

  /**
   * Was `t`, an argument, written in parentheses? Its span starts inside them, so look back:
   * the argument's own `(` — behind the call's, for the first argument.
   */
  private sourceParens(t: Term, first: boolean): boolean {
    let line = t.span.line - 1;
    let col = t.span.col - 1;
    const prev = (): string | undefined => {
      for (;;) {
        col--;
        while (col < 0) {
          if (--line < 0) return undefined;
          col = (this.source[line] ?? '').length - 1;
        }
        const c = this.source[line]![col]!;
        if (c !== ' ' && c !== '\t') return c;
      }
    };
    if (prev() !== '(') return false;
    return !first || prev() === '(';
  }

  /** An infix call; `nested`: its infix operands get parentheses (OPA's writeCall). */
  infix(t: Term & { kind: 'call'; op: string }, nested: boolean): void {
    const prec = PRECEDENCE[t.op] ?? 0;
    // At the top of an expression OPA writes operands bare; where that would parse back
    // differently (an operand binding as loosely as the operator), parentheses keep the tree.
    // `in` writes an infix operand in parentheses wherever it stands (OPA's writeInOperator)
    const operand = (a: Term, right: boolean) => {
      const need = nested || t.op === 'in' ? isInfix(a) : isInfix(a) && (right ? (PRECEDENCE[a.op] ?? 0) <= prec : (PRECEDENCE[a.op] ?? 0) < prec);
      this.term(a, need);
    };
    if (t.op === 'in' && t.args.length === 3) {
      const keyed = (a: Term) => this.term(a, isInfix(a));
      keyed(t.args[0]!);
      this.w.write(', ');
      keyed(t.args[1]!);
      this.w.write(' in ');
      keyed(t.args[2]!);
      return;
    }
    operand(t.args[0]!, false);
    this.w.write(` ${t.op} `);
    operand(t.args[1]!, true);
  }

  /** Elements grouped by source line; several lines → one line each, trailing commas. */
  /**
   * `element`: how one item is written — by default a `|` union in parentheses, as in a
   * collection it would read as a comprehension; a call's arguments are written as they are.
   */
  private collection(open: string, close: string, items: Term[][], openLine: number, element: (t: Term) => void = (t) => this.element(t), closeLine?: number): void {
    this.w.write(open);
    const groups: Term[][][] = [];
    for (const it of items) {
      const line = it[0]!.span.line;
      const g = groups.at(-1);
      if (g && g[0]![0]!.span.line === line) g.push(it);
      else groups.push([it]);
    }
    const multi = groups.length > 1 || (groups.length === 1 && groups[0]![0]![0]!.span.line > openLine);
    const writeItem = (it: Term[]) => {
      element(it[0]!);
      if (it.length === 2) {
        this.w.write(': ');
        element(it[1]!);
      }
    };
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
    // comments after the last element stay inside, above the bracket (OPA inserts the
    // comments before the closing location)
    if (closeLine !== undefined) this.w.flushComments(closeLine);
    this.w.down();
    this.w.write(close);
  }

  private comprehension(open: string, close: string, head: () => void, body: readonly Literal[], openLine: number, headLine: number): void {
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
      prevEnd = this.literalEndLine(l);
    }
  }

  /**
   * The source line a literal's text ends on, closing brackets included: OPA's writeBody keeps a
   * blank line only where the next expression starts more than one line below the end of the
   * previous one's text, so `]` alone on the line before it is no gap.
   */
  private literalEndLine(l: Literal): number {
    let max = this.exprEndLine(l);
    for (const w of l.with) max = Math.max(max, w.span.line, this.termEndLine(w.target), this.termEndLine(w.value));
    return max;
  }

  /** The source line the expression's own terms end on, its `with` modifiers left out. */
  private exprEndLine(l: Literal): number {
    const e = l.expr;
    const terms: (Term | undefined)[] = e.kind === 'term' ? [e.term] : e.kind === 'assign' || e.kind === 'unify' ? [e.lhs, e.rhs] : e.kind === 'somein' ? [e.coll] : [];
    let max = literalLastLine({ ...l, with: [] });
    for (const t of terms) if (t) max = Math.max(max, this.termEndLine(t));
    return max;
  }

  private termEndLine(t: Term): number {
    switch (t.kind) {
      case 'array':
      case 'arraycomp':
        return closingLine(this.source, t.span, '[', ']') ?? lastLine(t);
      case 'set':
      case 'object':
      case 'setcomp':
      case 'objectcomp':
        return (t.kind === 'set' && t.items.length === 0 ? closingLine(this.source, t.span, '(', ')') : closingLine(this.source, t.span, '{', '}')) ?? lastLine(t);
      case 'call':
        if (isInfix(t)) return Math.max(...t.args.map((a) => this.termEndLine(a)));
        return closingLine(this.source, t.span, '(', ')') ?? lastLine(t);
      case 'ref':
        return Math.max(this.termEndLine(t.head), ...t.path.map((k) => this.termEndLine(k)));
      case 'string': {
        // a raw string keeps its line breaks in the source
        const raw = this.source[t.span.line - 1]?.[t.span.col - 1] === '`';
        return raw ? t.span.line + (t.value.match(/\n/g)?.length ?? 0) : t.span.line;
      }
      case 'template': {
        const text = this.templates.get(`${t.span.line}:${t.span.col}`);
        return t.span.line + (text?.match(/\n/g)?.length ?? 0);
      }
      default:
        return lastLine(t);
    }
  }

  literal(l: Literal): void {
    this.w.at(l.span.line);
    if (l.negated) this.w.write('not ');
    this.expr(l.expr);
    // OPA's writeExpr: a `with` written on the line where the expression's terms end stays
    // there; one on a later line than the previous starts an output line of its own, one level in
    let lastLine = this.exprEndLine(l);
    let indented = false;
    l.with.forEach((w) => {
      const own = w.span.line > lastLine;
      if (own) {
        if (!indented) this.w.up();
        indented = true;
        this.w.endLine();
      }
      lastLine = Math.max(lastLine, w.span.line);
      this.with(w, own);
    });
    if (indented) this.w.down();
  }

  private with(w: With, ownLine: boolean): void {
    this.w.at(w.span.line);
    this.w.write(ownLine ? 'with ' : ' with ');
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
        // the right side is written as a term: an infix call bare, its infix operands in
        // parentheses (OPA's writeCall), so `x := (a | b) | c` keeps them
        this.term(e.rhs);
        return;
      case 'some':
        this.w.write('some ');
        e.vars.forEach((v, i) => {
          if (i > 0) this.w.write(', ');
          this.term(v);
        });
        return;
      case 'somein':
        this.w.write('some ');
        if (e.key) {
          this.term(e.key, isInfix(e.key));
          this.w.write(', ');
        }
        this.term(e.value, isInfix(e.value));
        this.w.write(' in ');
        this.term(e.coll, isInfix(e.coll));
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
        this.w.down();
        this.w.write('}');
        return;
      }
    }
  }
}

/**
 * The line of the bracket that closes the first `open` at or after `at` (OPA's closingLoc),
 * skipping strings, raw strings (which may span lines) and comments; undefined when the
 * source does not have it there.
 */
function closingLine(source: readonly string[], at: { line: number; col: number }, open: string, close: string): number | undefined {
  let line = at.line - 1;
  let i = at.col - 1;
  let depth = 0;
  while (line < source.length) {
    const text = source[line]!;
    const c = text[i];
    if (c === undefined || c === '#') {
      line++;
      i = 0;
    } else if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i += text[i] === '\\' ? 2 : 1);
      i++;
    } else if (c === '`') {
      let j = text.indexOf('`', i + 1);
      while (j < 0) {
        if (++line >= source.length) return undefined;
        j = source[line]!.indexOf('`');
      }
      i = j + 1;
    } else {
      if (c === open) depth++;
      else if (c === close && depth > 0 && --depth === 0) return line + 1;
      i++;
    }
  }
  return undefined;
}
