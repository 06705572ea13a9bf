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
import { FUTURE_KEYWORDS, Parser, type ParseOptions } from './parser.js';
import { walkRule } from './walk.js';

export type { ParseOptions, RegoVersion } from './parser.js';

/**
 * Parses a module in Rego v1 (default) or v0 (`{ regoVersion: 'v0' }`). A v0 module that
 * imports `rego.v1` is read with v1's rules, as OPA does (ast/parser_ext.go parseModule).
 */
export function parseModule(text: string, file = 'module.rego', opts: ParseOptions = {}): Module {
  const p = new Parser(text, file, {}, opts);
  const first = p.peek();
  const annotations = parseAnnotations(first, p, 'package');
  if (!p.isIdent('package')) throw p.error('REGO_ERR_PARSE_PACKAGE', 'expected package clause', first.span);
  const span = p.next().span;
  const pkgTerm = parseTermAt(p);
  const pkg = packagePath(p, pkgTerm);
  const mod: Module = { file, package: pkg, packageSpan: pkgTerm.span, imports: [], rules: [], annotations, regoV1: p.compatV1, regoVersion: p.regoVersion, span };
  const rules: Rule[] = [];
  while (p.peek().kind !== 'eof') {
    // OPA's parser takes an import wherever a statement may start; it applies to the whole module
    // (and a future-keyword import to the text after it).
    if (p.isIdent('import') && !(p.isPunct('.', 1) && !p.peek(1).wsBefore)) {
      mod.imports.push(parseImport(p, mod));
      continue;
    }
    if (p.isIdent('package') && !(p.isPunct('.', 1) && !p.peek(1).wsBefore)) throw p.error('REGO_ERR_PARSE_PACKAGE', 'only one package clause per module');
    const r = parseRules(p);
    if (!p.peek().nlBefore && p.peek().kind !== 'eof' && !p.isPunct(';')) throw p.unexpected('expected end of rule');
    while (p.acceptPunct(';'));
    rules.push(...r);
  }
  mod.rules = rules;
  // the import applies to the whole module, also to rules written before it
  if (mod.scopedNot) for (const r of rules) walkRule(r, { literal: (l) => { if (l.negated) l.scopedNot = true; } });
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
    // OPA regoV1Import: an OPA older than 0.59 cannot read it (capabilities without the feature)
    const caps = p.capabilities;
    if (caps !== undefined && !caps.features.includes('rego_v1_import') && !caps.features.includes('rego_v1')) {
      throw p.error('REGO_ERR_PARSE_IMPORT', 'invalid import, `rego.v1` is not supported by current capabilities', path.span);
    }
    if (name!.join('.') !== 'rego.v1') throw p.error('REGO_ERR_PARSE_IMPORT', 'invalid import `rego.v1`, must be `rego.v1`', path.span);
    mod.regoV1 = true;
    for (const kw of FUTURE_KEYWORDS) p.keywords.add(kw);
    p.strictV1 = true;
  }
  if (root === 'future') {
    // `import future.keywords` enables all of them, `import future.keywords.in` one (OPA futureImport)
    if (name === undefined || name.length < 2 || name[1] !== 'keywords' || name.length > 3) {
      throw p.error('REGO_ERR_PARSE_IMPORT', 'invalid import, must be `future.keywords`', path.span);
    }
    const kw = name[2];
    // only those the capabilities allow (OPA futureImport: allowedFutureKeywords)
    if (kw !== undefined && !p.importable.includes(kw)) {
      throw p.error('REGO_ERR_PARSE_IMPORT', `unexpected keyword, must be one of [${[...p.importable].sort().join(' ')}]`, path.span);
    }
    // `not` (OPA 1.17) is no new syntax here but opts the module into scoped negation; it is not
    // part of the `import future.keywords` wildcard, which would change old modules' answers
    if (kw === 'not') {
      mod.scopedNot = true;
      p.notBodies = true;
    }
    for (const k of FUTURE_KEYWORDS) if (p.importable.includes(k) && (kw === undefined || kw === k)) p.keywords.add(k);
    // `every x in xs` is written with `in`, so importing `every` brings `in` along (as in OPA)
    if (kw === 'every') p.keywords.add('in');
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
export function parseQuery(text: string, file = '<query>', opts: ParseOptions = {}): Literal[] {
  const p = new Parser(text, file, {}, opts);
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
