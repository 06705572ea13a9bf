/**
 * Rule heads and bodies (Rego v1):
 *   `[default] ref [contains t] [:= v | = v] [if body] [else [:= v] [if body]]…`
 * where ref is `p`, `a.b[x].c` or a function head `f(x, y)`; a body is `{ literals }` or one
 * literal after `if`. A `{ … }` body without `if` (v0 style) is accepted too.
 */
import type { Annotation, Literal, Rule, RuleBody, Term } from './ast.js';
import { parseBody, parseLiteral } from './parse-expr.js';
import { parseTerm, parseTermIn } from './parse-term.js';
import type { Parser } from './parser.js';
import type { Token } from './tokens.js';

/**
 * A rule, plus the extra definitions of v0's `p { a } { b }` (one rule per body, same head).
 */
export function parseRules(p: Parser): Rule[] {
  const rule = parseRule(p);
  const out = [rule];
  while (p.isPunct('{') && !p.peek().nlBefore && rule.elses.length === 0 && !rule.default) {
    out.push({ ...rule, body: parseBraced(p), annotations: [], span: p.peek().span });
  }
  return out;
}

export function parseRule(p: Parser): Rule {
  const first = p.peek();
  const annotations = parseAnnotations(first);
  let isDefault = false;
  if (p.isIdent('default') && !(p.isPunct('.', 1) && !p.peek(1).wsBefore)) {
    p.next();
    isDefault = true;
  }
  const headTok = p.peek();
  if (headTok.kind !== 'ident') throw p.error('REGO_ERR_PARSE_RULE', 'expected a rule head', headTok.span);
  const head = parseTerm(p);
  const rule: Rule = { default: isDefault, ref: [], assign: false, body: [], elses: [], annotations, span: headTok.span };
  if (head.kind === 'call') {
    rule.ref = head.fn.map((name, i) => ({ kind: 'string' as const, value: name, span: i === 0 ? head.span : head.fnSpan }));
    rule.args = head.args;
  } else if (head.kind === 'var') {
    rule.ref = [{ kind: 'string', value: head.name, span: head.span }];
  } else if (head.kind === 'ref' && head.head.kind === 'var') {
    rule.ref = [{ kind: 'string', value: head.head.name, span: head.head.span }, ...head.path];
  } else {
    throw p.error('REGO_ERR_PARSE_RULE', 'rule head must be a name, reference or function', head.span);
  }
  const name = (rule.ref[0] as { value: string }).value;
  if (['input', 'data'].includes(name) && !isDefault) {
    throw p.error('REGO_ERR_PARSE_RULE', `rule name ${name} conflicts with a root document`, head.span);
  }
  if (p.isIdent('contains')) {
    p.next();
    rule.contains = parseTermIn(p);
  } else if (p.isPunct(':=') || p.isPunct('=')) {
    rule.assign = p.next().value === ':=';
    rule.value = parseTermIn(p);
  }
  if (isDefault) {
    if (rule.value === undefined) throw p.error('REGO_ERR_PARSE_RULE', 'default rules must have a value', head.span);
    return rule;
  }
  const usesIf = p.isIdent('if');
  const body = parseRuleBody(p);
  if (body !== undefined) rule.body = body;
  // Rego v0: `p[x] { … }` / `p["a"]` (no `if`, no value) is a partial set rule
  const last = rule.ref[rule.ref.length - 1]!;
  if (!usesIf && rule.value === undefined && rule.contains === undefined && rule.args === undefined && rule.ref.length === 2 && !(last.kind === 'string' && last.fromDot)) {
    rule.contains = last;
    rule.ref = rule.ref.slice(0, 1);
  } else if (body === undefined && rule.value === undefined && rule.contains === undefined && !p.isIdent('else')) {
    throw p.error('REGO_ERR_PARSE_RULE', 'rule must have a value or a body', head.span);
  }
  while (p.isIdent('else')) {
    const span = p.next().span;
    const branch: RuleBody = { body: [], span };
    if (p.isPunct(':=') || p.isPunct('=')) {
      branch.assign = p.next().value === ':=';
      branch.value = parseTermIn(p);
    }
    const b = parseRuleBody(p);
    if (b !== undefined) branch.body = b;
    rule.elses.push(branch);
  }
  return rule;
}

function parseRuleBody(p: Parser): Literal[] | undefined {
  if (p.isIdent('if')) {
    p.next();
    if (p.isPunct('{') && !p.isPunct('}', 1)) {
      // `if {x: 1 | …}` is an object comprehension, not a body: retry as one literal
      const at = p.pos;
      try {
        return parseBraced(p);
      } catch (e) {
        p.pos = at;
        try {
          return [parseLiteral(p)];
        } catch {
          throw e;
        }
      }
    }
    if (p.isPunct('{')) return parseBraced(p);
    return [parseLiteral(p)];
  }
  if (p.isPunct('{') && !p.peek().nlBefore) return parseBraced(p);
  return undefined;
}

function parseBraced(p: Parser): Literal[] {
  p.expectPunct('{');
  const body = parseBody(p, '}');
  p.expectPunct('}');
  return body;
}

/** METADATA blocks: a `# METADATA` comment line followed by YAML comment lines. */
export function parseAnnotations(tok: Token): Annotation[] {
  const out: Annotation[] = [];
  const cs = tok.comments ?? [];
  for (let i = 0; i < cs.length; i++) {
    if (cs[i]!.text.trim() !== 'METADATA') continue;
    const lines: string[] = [];
    let j = i + 1;
    while (j < cs.length && cs[j]!.span.line === cs[j - 1]!.span.line + 1) {
      lines.push(cs[j]!.text.startsWith(' ') ? cs[j]!.text.slice(1) : cs[j]!.text);
      j++;
    }
    const yaml = lines.join('\n');
    const scope = /^scope:\s*(\S+)/m.exec(yaml)?.[1];
    out.push(scope === undefined ? { yaml, span: cs[i]!.span } : { yaml, scope, span: cs[i]!.span });
    i = j - 1;
  }
  return out;
}

/** Term helper for callers that need the head name. */
export function ruleName(rule: Rule): string {
  return (rule.ref[0] as Term & { value: string }).value;
}
