/**
 * Modules: `package` clause, imports, rules. Also the public entry points `parseModule`,
 * `parseQuery` and `parseTerm` (the conformance harness parses `input_term` with it).
 *
 * Example: `parseModule('package a\np := 1', 'a.rego').rules[0].value` → number term `1`.
 */
import { RegoError } from '../errors.js';
import type { Import, Literal, Module, Rule, Term } from './ast.js';
import { parseBody, parseLiteral } from './parse-expr.js';
import { parseAnnotations } from './parse-annotations.js';
import { ParseErrors } from './parse-error.js';
import { NotARule, parseRules } from './parse-rule.js';
import { parseTerm as parseTermAt, parseTermIn } from './parse-term.js';
import { FUTURE_KEYWORDS, Parser, type ParseOptions } from './parser.js';
import { walkRule } from './walk.js';

export type { ParseOptions, RegoVersion } from './parser.js';

/**
 * Parses a module in Rego v1 (default) or v0 (`{ regoVersion: 'v0' }`). A v0 module that
 * imports `rego.v1` is read with v1's rules, as OPA does (ast/parser_ext.go parseModule).
 */
export function parseModule(text: string, file = 'module.rego', opts: ParseOptions = {}): Module {
  const p = new Parser(text, file, {}, opts);
  return withDepthLimit(p, () => parseModuleIn(p, file));
}

/**
 * Nesting deeper than the JS stack allows is OPA's "max parsing recursion depth exceeded" (its
 * parser counts its depth, ast/parser.go enter), at the token reached, not a crash.
 */
function withDepthLimit<T>(p: Parser, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof RangeError) throw p.error('REGO_ERR_PARSE_DEPTH', 'max parsing recursion depth exceeded');
    throw e;
  }
}

function parseModuleIn(p: Parser, file: string): Module {
  const first = p.peek();
  const annotations = parseAnnotations(first, p, 'package');
  // ast/parser_ext.go parseModule: "empty module" without statements, else the first one must be the package
  if (first.kind === 'eof') throw p.error('REGO_ERR_PARSE_PACKAGE', 'empty module', { file, line: 1, col: 1 });
  const mod: Module = { file, package: [], packageSpan: first.span, imports: [], rules: [], annotations, regoV1: p.compatV1, regoVersion: p.regoVersion, span: first.span };
  const rules: Rule[] = [];
  if (p.isIdent('package')) {
    mod.span = p.next().span;
    const pkgTerm = parsePackageTerm(p);
    mod.package = packagePath(p, pkgTerm);
    mod.packageSpan = pkgTerm.span;
  } else {
    // OPA's parseModule reads every statement first, then says "package expected" of the first
    // one and makes nothing of it: its syntax is checked, its own errors are not reported, the
    // statements after it are (TestModuleParseErrors: five errors)
    p.defer(p.error('REGO_ERR_PARSE_PACKAGE', 'package expected', first.span));
    const seen = p.deferred.length;
    const compile = p.deferredCompile;
    parseStatement(p, mod, rules);
    p.deferred.length = seen;
    rules.length = 0;
    mod.imports.length = 0;
    p.deferredCompile = compile;
  }
  while (p.peek().kind !== 'eof') parseStatement(p, mod, rules);
  if (p.deferred.length === 1) throw p.deferred[0]!;
  if (p.deferred.length > 1) throw new ParseErrors(p.deferred);
  if (p.deferredCompile !== undefined) throw p.deferredCompile;
  // nor be the last thing in the file
  parseAnnotations(p.peek(), p, 'none');
  mod.rules = rules;
  // the import applies to the whole module, also to rules written before it
  if (mod.scopedNot) for (const r of rules) walkRule(r, { literal: (l) => { if (l.negated) l.scopedNot = true; } });
  return mod;
}

/** The path after `package`; `package not.x`, `package if`: OPA's parsePackage takes a keyword as the first name. */
function parsePackageTerm(p: Parser): Term {
  if (p.peek().kind === 'ident') p.kwRefAt = p.pos;
  return parseTermAt(p);
}

/** One statement after the package: an import, a rule (or several chained), or a query that makes none. */
function parseStatement(p: Parser, mod: Module, rules: Rule[]): void {
  // OPA's parser takes an import wherever a statement may start; it applies to the whole module
  // (and a future-keyword import to the text after it).
  if (p.isIdent('import') && !p.startsKeywordRef()) {
    // a METADATA block cannot document an import (attachAnnotationsNodes)
    parseAnnotations(p.peek(), p, 'import');
    mod.imports.push(parseImport(p, mod));
    return;
  }
  if (p.isIdent('package') && !p.startsKeywordRef()) {
    // a second package statement parses, and is one of parseModule's collected errors
    p.defer(p.error('REGO_ERR_PARSE_PACKAGE', 'unexpected package'));
    p.next();
    packagePath(p, parsePackageTerm(p));
    return;
  }
  // OPA's parser needs no newline between statements: one ends where its rule or expression
  // does (`p := 1 q := 2` is two rules), and a `;` that joins no expressions starts nothing
  if (refuseStatement(p)) return;
  const pos = p.pos;
  const deferred = p.deferred.length;
  const compile = p.deferredCompile;
  try {
    rules.push(...parseRules(p));
  } catch (e) {
    if (!(e instanceof NotARule)) throw e;
    p.pos = pos;
    p.deferred.length = deferred;
    p.deferredCompile = compile;
    refuseStatement(p, true);
  }
}

/**
 * A statement that is no rule. OPA's parser reads it as a query and, once the module has parsed,
 * fails to make a rule of it (ast/parser_ext.go ParseRuleFromExpr) with these messages. True
 * when the statement was consumed here.
 */
function refuseStatement(p: Parser, query = false): boolean {
  const t = p.peek();
  if (query) {
    // parseRules made no rule of it
  } else if (t.kind === 'ident' && !p.startsKeywordRef()) {
    // keywords that no literal starts with (OPA's parseTerm: "unexpected else keyword")
    if (STATEMENT_KEYWORDS.has(t.value) || (p.keywords.has(t.value) && (t.value === 'if' || t.value === 'in'))) throw p.unexpected();
    if (t.value !== 'not' && t.value !== 'some') return false;
  } else if (t.kind === 'ident') {
    return false;
  }
  const lits = parseQueryStatement(p);
  const lit = lits[0]!;
  // ParseRuleFromBody / ParseRuleFromExpr, in their order
  let message: string;
  if (lits.length > 1) message = 'multiple expressions cannot be used for rule head';
  else if (lit.with.length > 0) message = 'expressions using with keyword cannot be used for rule head';
  else if (lit.negated) message = 'negated expressions cannot be used for rule head';
  else if (lit.expr.kind === 'some' || lit.expr.kind === 'somein') message = "'some' declarations cannot be used for rule head";
  // an operator expression other than `=`/`:=` is a call of its builtin (`1 != 2` is neq)
  else if (lit.expr.kind === 'term' && lit.expr.term.kind === 'call' && lit.expr.term.op !== undefined) message = 'rule name conflicts with built-in function';
  else {
    // a literal that does not start with a name: its (left-hand) term names what it is
    const lhs = lit.expr.kind === 'term' ? lit.expr.term : lit.expr.kind === 'assign' || lit.expr.kind === 'unify' ? lit.expr.lhs : undefined;
    const what = lhs === undefined ? 'expression' : lhs.kind === 'call' && lhs.op === undefined ? 'call' : termValueName(lhs);
    message = `${what} cannot be used for rule name`;
  }
  p.defer(p.error('REGO_ERR_PARSE_RULE', message, t.span));
  return true;
}

const STATEMENT_KEYWORDS = new Set(['else', 'with', 'as']);

/** OPA's statement-level parseQuery(requireSemi): literals joined by `;`. */
function parseQueryStatement(p: Parser): Literal[] {
  const out = [parseLiteral(p)];
  while (p.acceptPunct(';')) out.push(parseLiteral(p));
  return out;
}

/** OPA's ValueName of a term: an operator expression is the call it stands for. */
function termValueName(t: Term): string {
  return t.kind === 'call' ? 'call' : valueName(t);
}

function packagePath(p: Parser, t: Term): string[] {
  const out: string[] = [];
  if (t.kind === 'var') return [t.name];
  if (t.kind === 'ref' && t.head.kind === 'var') {
    out.push(t.head.name);
    for (const k of t.path) {
      // OPA parsePackage: "unexpected var token: expecting string"
      if (k.kind !== 'string') throw p.error('REGO_ERR_PARSE_PACKAGE', `unexpected ${valueName(k)} token: expecting string`, k.span);
      out.push(k.value);
    }
    // OPA's parsePackage puts every name below data, the first one too: `package data.foo` is
    // data.data.foo, not data.foo (so `opa test` names its tests data.data.foo.test_x)
    return out;
  }
  throw p.error('REGO_ERR_PARSE_PACKAGE', 'malformed package path', t.span);
}

/** OPA's ValueName of a term, as its parse errors name it. */
function valueName(t: Term): string {
  switch (t.kind) {
    case 'bool':
      return 'boolean';
    case 'arraycomp':
      return 'arraycomprehension';
    case 'setcomp':
      return 'setcomprehension';
    case 'objectcomp':
      return 'objectcomprehension';
    case 'template':
      return 'templatestring';
    default:
      return t.kind;
  }
}

/** Keywords of a Rego version (OPA's IsKeywordInRegoVersion): v1 adds the future keywords. */
const V0_KEYWORDS = ['package', 'import', 'as', 'default', 'else', 'not', 'some', 'with', 'null', 'true', 'false'];

function isKeywordIn(p: Parser, name: string): boolean {
  return V0_KEYWORDS.includes(name) || (p.regoVersion === 'v1' && (FUTURE_KEYWORDS as readonly string[]).includes(name));
}

function parseImport(p: Parser, mod: Module): Import {
  const span = p.next().span;
  // OPA's parseImport reads the path without the future keywords (its presentParser), and a
  // keyword directly followed by `.`/`[` is a name
  if (p.peek().kind === 'ident') p.kwRefAt = p.pos;
  const path = parseTermAt(p);
  const head = path.kind === 'var' ? path : path.kind === 'ref' && path.head.kind === 'var' ? path.head : undefined;
  const root = head?.kind === 'var' ? head.name : undefined;
  if (root === undefined || !['data', 'input', 'future', 'rego'].includes(root)) {
    throw p.error('REGO_ERR_PARSE_IMPORT', `unexpected import path, must begin with one of: {data, future, input, rego}, got: ${root ?? valueName(path)} (hint: if this is unexpected, try updating OPA)`, path.span);
  }
  const tail = path.kind === 'ref' ? path.path : [];
  for (const k of tail) {
    if (k.kind !== 'string') throw p.error('REGO_ERR_PARSE_IMPORT', `unexpected ${valueName(k)} token: expecting string`, k.span);
  }
  const name = [root, ...tail.map((k) => (k as { value: string }).value)];
  const imp: Import = { path, span };
  if (p.isIdent('as')) {
    p.next();
    const a = p.peek();
    // OPA: the alias is a var; a keyword in force is not one ("unexpected if keyword: expected var")
    if (a.kind !== 'ident' || isKeywordIn(p, a.value) || p.keywords.has(a.value)) throw p.unexpected('expected var', a);
    // `as x.y`, `as f(x)`: the alias is read as a term and must be a plain name; OPA's
    // parseImport reports "expected var" at the token after that term, or where it failed
    let alias: Term | undefined;
    try {
      alias = parseTermAt(p);
    } catch (e) {
      if (!(e instanceof RegoError)) throw e;
      alias = undefined;
    }
    if (alias?.kind !== 'var') throw p.unexpected('expected var');
    imp.alias = a.value;
  }
  if (root === 'rego') {
    // ast/parser.go regoV1Import: an OPA older than 0.59 cannot read it (capabilities without the
    // feature); only `rego.v1`; in v1 it changes nothing, in v0 it switches on v1's syntax and
    // checks and cannot be aliased
    const caps = p.capabilities;
    if (caps !== undefined && !caps.features.includes('rego_v1_import') && !caps.features.includes('rego_v1')) {
      throw p.error('REGO_ERR_PARSE_IMPORT', 'invalid import, `rego.v1` is not supported by current capabilities', path.span);
    }
    if (name.join('.') !== 'rego.v1') throw p.error('REGO_ERR_PARSE_IMPORT', `invalid import \`${showRef(path)}\`, must be \`rego.v1\``, path.span);
    mod.regoV1 = true;
    if (p.regoVersion === 'v0') {
      if (imp.alias !== undefined) throw p.error('REGO_ERR_PARSE_IMPORT', '`rego` imports cannot be aliased', path.span);
      for (const kw of FUTURE_KEYWORDS) p.keywords.add(kw);
      p.strictV1 = true;
    }
  }
  if (root === 'future') {
    // `import future.keywords` enables all of them, `import future.keywords.in` one (OPA futureImport)
    if (name.length < 2 || name[1] !== 'keywords') {
      throw p.error('REGO_ERR_PARSE_IMPORT', 'invalid import, must be `future.keywords`', path.span);
    }
    if (imp.alias !== undefined) throw p.error('REGO_ERR_PARSE_IMPORT', '`future` imports cannot be aliased', path.span);
    if (name.length > 3) {
      throw p.error('REGO_ERR_PARSE_IMPORT', `unexpected keyword, must be one of [${[...FUTURE_KEYWORDS, 'not'].sort().join(' ')}]`, path.span);
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
  } else if (imp.alias === undefined) {
    // OPA parseImport: without an alias the last segment names the import, so it cannot be a
    // keyword ("import a different path or use an alias")
    const last = tail.length === 0 ? head! : tail[tail.length - 1]!;
    const lastName = name[name.length - 1]!;
    if (isKeywordIn(p, lastName)) {
      throw p.error('REGO_ERR_PARSE_IMPORT', `unexpected import path, must not end with a keyword, got: ${lastName} (hint: import a different path or use an alias)`, last.span);
    }
  }
  if (!p.peek().nlBefore && p.peek().kind !== 'eof' && !p.isPunct(';')) throw p.unexpected('expected end of import');
  return imp;
}

/** A ref as OPA prints it in messages: `rego.v2`, `data.x["a b"]`. */
function showRef(t: Term): string {
  if (t.kind === 'var') return t.name;
  if (t.kind !== 'ref' || t.head.kind !== 'var') return '';
  return t.head.name + t.path.map((k) => (k.kind === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(k.value) ? `.${k.value}` : k.kind === 'string' ? `[${JSON.stringify(k.value)}]` : '')).join('');
}

/** Parses a query: literals separated by `;` or newlines. */
export function parseQuery(text: string, file = '<query>', opts: ParseOptions = {}): Literal[] {
  const p = new Parser(text, file, {}, opts);
  const body = withDepthLimit(p, () => parseBody(p, undefined));
  if (p.peek().kind !== 'eof') throw p.unexpected();
  if (body.length === 0) throw p.error('REGO_ERR_PARSE_UNEXPECTED', 'empty query');
  return body;
}

/** Parses one term, e.g. the `input_term` of a conformance case: `{1, 2}`. */
export function parseTerm(text: string, file = '<term>'): Term {
  const p = new Parser(text, file);
  const t = withDepthLimit(p, () => parseTermIn(p));
  if (p.peek().kind !== 'eof') throw p.unexpected('expected end of term');
  return t;
}
