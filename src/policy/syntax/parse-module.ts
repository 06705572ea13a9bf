/**
 * Modules: `package` clause, imports, rules. Also the public entry points `parseModule`,
 * `parseQuery` and `parseTerm` (the conformance harness parses `input_term` with it).
 *
 * Example: `parseModule('package a\np := 1', 'a.rego').rules[0].value` → number term `1`.
 */
import type { Import, Literal, Module, Rule, Term } from './ast.js';
import { parseBody } from './parse-expr.js';
import { parseAnnotations, parseRules } from './parse-rule.js';
import { parseTerm as parseTermAt, parseTermIn, refName } from './parse-term.js';
import { Parser } from './parser.js';

export function parseModule(text: string, file = 'module.rego'): Module {
  const p = new Parser(text, file);
  const first = p.peek();
  const annotations = parseAnnotations(first);
  if (!p.isIdent('package')) throw p.error('REGO_ERR_PARSE_PACKAGE', 'expected package clause', first.span);
  const span = p.next().span;
  const pkgTerm = parseTermAt(p);
  const pkg = packagePath(p, pkgTerm);
  const mod: Module = { file, package: pkg, packageSpan: pkgTerm.span, imports: [], rules: [], annotations, regoV1: false, span };
  while (p.isIdent('import')) mod.imports.push(parseImport(p, mod));
  const rules: Rule[] = [];
  while (p.peek().kind !== 'eof') {
    if (p.isIdent('import')) throw p.error('REGO_ERR_PARSE_IMPORT', 'imports must come before rules');
    if (p.isIdent('package')) throw p.error('REGO_ERR_PARSE_PACKAGE', 'only one package clause per module');
    const r = parseRules(p);
    if (!p.peek().nlBefore && p.peek().kind !== 'eof' && !p.isPunct(';')) throw p.unexpected('expected end of rule');
    while (p.acceptPunct(';'));
    rules.push(...r);
  }
  mod.rules = rules;
  return mod;
}

function packagePath(p: Parser, t: Term): string[] {
  const out: string[] = [];
  if (t.kind === 'var') return [t.name];
  if (t.kind === 'ref' && t.head.kind === 'var') {
    out.push(t.head.name);
    for (const k of t.path) {
      if (k.kind !== 'string') throw p.error('REGO_ERR_PARSE_PACKAGE', 'package path must be strings', k.span);
      out.push(k.value);
    }
    if (out[0] === 'data') out.shift();
    return out;
  }
  throw p.error('REGO_ERR_PARSE_PACKAGE', 'malformed package path', t.span);
}

function parseImport(p: Parser, mod: Module): Import {
  const span = p.next().span;
  const path = parseTermAt(p);
  const name = refName(path) ?? (path.kind === 'ref' && path.head.kind === 'var' ? [path.head.name] : undefined);
  const root = name?.[0];
  if (root === undefined || !['data', 'input', 'future', 'rego'].includes(root)) {
    throw p.error('REGO_ERR_PARSE_IMPORT', 'import path must begin with input, data, future or rego', path.span);
  }
  if (root === 'rego') {
    if (name!.join('.') !== 'rego.v1') throw p.error('REGO_ERR_PARSE_IMPORT', 'invalid import, must be rego.v1', path.span);
    mod.regoV1 = true;
  }
  const imp: Import = { path, span };
  if (p.isIdent('as')) {
    p.next();
    const a = p.next();
    if (a.kind !== 'ident') throw p.unexpected('expected an alias', a);
    imp.alias = a.value;
  }
  if (!p.peek().nlBefore && p.peek().kind !== 'eof' && !p.isPunct(';')) throw p.unexpected('expected end of import');
  return imp;
}

/** Parses a query: literals separated by `;` or newlines. */
export function parseQuery(text: string, file = '<query>'): Literal[] {
  const p = new Parser(text, file);
  const body = parseBody(p, undefined);
  if (p.peek().kind !== 'eof') throw p.unexpected();
  if (body.length === 0) throw p.error('REGO_ERR_PARSE_UNEXPECTED', 'empty query');
  return body;
}

/** Parses one term, e.g. the `input_term` of a conformance case: `{1, 2}`. */
export function parseTerm(text: string, file = '<term>'): Term {
  const p = new Parser(text, file);
  const t = parseTermIn(p);
  if (p.peek().kind !== 'eof') throw p.unexpected('expected end of term');
  return t;
}
