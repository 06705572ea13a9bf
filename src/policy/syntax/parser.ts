/**
 * The token cursor shared by the recursive-descent parse functions (parse-term.ts,
 * parse-expr.ts, parse-rule.ts, parse-module.ts).
 */
import { RegoError } from '../errors.js';
import { tokenize, type LexOptions } from './lexer.js';
import { createParseError, type ParseErrorCode } from './parse-error.js';
import type { Span, Token } from './tokens.js';
import type { Term } from './ast.js';

/**
 * The dialect a module is read in: `v1` (OPA 1.x), `v0`, or `v0v1`, OPA's RegoV0CompatV1
 * (`opa check --v0-v1`): v0's syntax (the future keywords only once imported) under v1's
 * checks, as if every module imported `rego.v1` — a module passes only if both OPA 0.x and
 * 1.x read it the same.
 */
export type RegoVersion = 'v0' | 'v1' | 'v0v1';

/** The keywords Rego v0 only knows after `import future.keywords[.kw]` (or `import rego.v1`). */
export const FUTURE_KEYWORDS = ['in', 'every', 'if', 'contains'] as const;

/**
 * The language part of an OPA capabilities document (ast/capabilities.go): the future keywords
 * a v0 module may import and the features (`rego_v1`, `rego_v1_import`, …) the OPA it pins
 * has. Without it the parser allows what OPA 1.x allows.
 */
export interface LanguageCapabilities {
  futureKeywords: readonly string[];
  features: readonly string[];
}

export interface ParseOptions {
  /** the dialect (default v1). In v0 and v0v1, `in`/`every`/`if`/`contains` are names until imported. */
  regoVersion?: RegoVersion;
  /** `--capabilities`: which future keywords `import future.keywords…` may enable, and `import rego.v1` needs its feature */
  capabilities?: LanguageCapabilities;
}

/**
 * The future keywords a v0 module may import under `caps` (OPA Parser.Parse: the capabilities'
 * future_keywords, and all of v0's when the `rego_v1` feature is there).
 */
export function allowedFutureKeywords(caps: LanguageCapabilities | undefined): readonly string[] {
  // `not` (OPA 1.17) only where the capabilities list it (OPA: futureKeywords, not futureKeywordsV0)
  if (caps === undefined) return [...FUTURE_KEYWORDS, 'not'];
  const not = caps.futureKeywords.includes('not') ? ['not'] : [];
  if (caps.features.includes('rego_v1')) return [...FUTURE_KEYWORDS, ...not];
  return [...FUTURE_KEYWORDS.filter((k) => caps.futureKeywords.includes(k)), ...not];
}

/** The keywords of every Rego version (OPA's tokens.keywords). */
const BASE_KEYWORDS = new Set(['package', 'import', 'as', 'default', 'else', 'not', 'some', 'with', 'null', 'true', 'false']);

/** Operator tokens as OPA's tokens.Token.String() names them (the builtin they stand for). */
const TOKEN_NAMES: Record<string, string> = {
  '+': 'plus', '-': 'minus', '*': 'mul', '/': 'div', '%': 'rem', '&': 'and', '|': 'or', '=': 'eq', '==': 'equal',
  ':=': 'assign', '!=': 'neq', '>': 'gt', '<': 'lt', '>=': 'gte', '<=': 'lte',
};

export class Parser {
  readonly tokens: Token[];
  /** a lexing error and the index of the token it stands in for (see the constructor) */
  private readonly lexError: { at: number; error: RegoError } | undefined;
  pos = 0;
  /** > 0 while parsing call arguments / brackets, where `k, v in xs` is not a literal form */
  nesting = 0;
  /**
   * The token index of a keyword that starts a ref (`null.x`, `true["y"]`, `not.foo`): OPA reads
   * a keyword directly followed by `.` or `[` as a name where a literal or a rule starts
   * (ast/parser.go parseLiteral, scanAheadRef); elsewhere `true.x` is a ref on a boolean.
   */
  kwRefAt = -1;
  /**
   * The argument list of a rule head whose ref has a variable segment (`a.b[c].d(x)`), which no
   * call term can name: OPA's parseHead takes such a function (it can never be called). Set by
   * parseSuffixes in a rule head, taken by parseRule.
   */
  headCall: { ref: Term; args: Term[]; span: Span } | undefined;
  /** the syntax: v0 for `v0` and `v0v1` */
  readonly regoVersion: 'v0' | 'v1';
  /** read as OPA's RegoV0CompatV1: v1's checks from the first line (`v0v1`) */
  readonly compatV1: boolean;
  /**
   * The future keywords in force: all of them in v1; in v0 those imported so far (OPA's parser
   * enables a keyword from its import on, ast/parser.go futureImport).
   */
  readonly keywords: Set<string>;
  /**
   * Rego v1's parse-time checks apply (`if` before a body, `contains` for multi-value rules, no
   * keyword rule names): in v1, and in v0 once `import rego.v1` is seen (OPA's RegoV0CompatV1).
   */
  strictV1: boolean;
  /** the future keywords `import future.keywords…` may enable (allowedFutureKeywords) */
  readonly importable: readonly string[];
  readonly capabilities: LanguageCapabilities | undefined;
  /** `import future.keywords.not` was read: from here on `not { … }` is a negated body */
  notBodies = false;
  /**
   * The errors of statements that parse but make no rule (ParseRuleFromExpr, the v1 checks of
   * checkRegoV1Rule), in statement order: OPA reports those only when the whole module parsed,
   * so a parse error further down comes first (alone: its parser stops there), and then reports
   * every one of them (parser_ext.go parseModule collects them all). A rule shadowing a root
   * document is a compile error and comes after both.
   */
  readonly deferred: RegoError[] = [];
  deferredCompile: RegoError | undefined;

  constructor(readonly src: string, readonly file: string, lex: LexOptions = {}, opts: ParseOptions = {}) {
    // OPA's parser scans a token when it moves onto it, so an input that is wrong before a bad
    // token (`fo3+4ar := 1`: "unexpected plus token") reports that, not the token: the tokens up
    // to a lexing error are read, and the error is raised when the parser reaches it.
    const tokens: Token[] = [];
    try {
      tokenize(src, file, lex, tokens);
    } catch (e) {
      if (!(e instanceof RegoError)) throw e;
      this.lexError = { at: tokens.length, error: e };
      const end = src.length;
      tokens.push({ kind: 'eof', value: '', span: e.location ?? { file, line: 1, col: 1 }, start: end, end, nlBefore: true, wsBefore: true });
    }
    this.tokens = tokens;
    this.regoVersion = opts.regoVersion === 'v0' || opts.regoVersion === 'v0v1' ? 'v0' : 'v1';
    this.compatV1 = opts.regoVersion === 'v0v1';
    this.keywords = new Set(this.regoVersion === 'v1' ? FUTURE_KEYWORDS : []);
    // ast/parser_ext.go parseModule: CheckRegoV1 runs on RegoV0CompatV1 and RegoV1 modules.
    this.strictV1 = this.regoVersion === 'v1' || this.compatV1;
    this.capabilities = opts.capabilities;
    this.importable = allowedFutureKeywords(opts.capabilities);
  }

  /** The identifier `kw` at `k`, when it is a keyword in force (`in`, `every`, `if`, `contains`). */
  isKeyword(kw: (typeof FUTURE_KEYWORDS)[number], k = 0): boolean {
    return this.keywords.has(kw) && this.isIdent(kw, k);
  }

  peek(k = 0): Token {
    const i = Math.min(this.pos + k, this.tokens.length - 1);
    if (this.lexError !== undefined && i >= this.lexError.at) throw this.lexError.error;
    return this.tokens[i]!;
  }

  next(): Token {
    const t = this.peek();
    if (this.pos < this.tokens.length - 1) this.pos++;
    return t;
  }

  isPunct(v: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === 'punct' && t.value === v;
  }

  isIdent(v: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === 'ident' && t.value === v;
  }

  acceptPunct(v: string): Token | undefined {
    return this.isPunct(v) ? this.next() : undefined;
  }

  expectPunct(v: string): Token {
    if (!this.isPunct(v)) throw this.unexpected(`expected ${v}`);
    return this.next();
  }

  expectIdent(v: string): Token {
    if (!this.isIdent(v)) throw this.unexpected(`expected ${v}`);
    return this.next();
  }

  error(code: ParseErrorCode, message: string, span: Span = this.peek().span): RegoError {
    return createParseError(code, message, span, this.src);
  }

  /** Records an error to raise once the module has parsed (see `deferred`). */
  defer(e: RegoError): void {
    if (e.opaCode === 'rego_parse_error') this.deferred.push(e);
    else this.deferredCompile ??= e;
  }

  unexpected(what?: string, tok: Token = this.peek()): RegoError {
    // worded like OPA's parser (ast/parser.go illegal): "unexpected eof token: expected ident",
    // "unexpected assign token", "unexpected if keyword"
    return this.error('REGO_ERR_PARSE_UNEXPECTED', `unexpected ${this.describe(tok)}${what ? `: ${what}` : ''}`, tok.span);
  }

  /** A token as OPA's parser names it in errors: `identifier token`, `assign token`, `not keyword`. */
  describe(tok: Token): string {
    switch (tok.kind) {
      case 'eof':
        return 'eof token';
      case 'string':
      case 'rawstring':
        return 'string token';
      case 'template':
        return 'template-string-end token';
      case 'number':
        return 'number token';
      case 'ident':
        return BASE_KEYWORDS.has(tok.value) || this.keywords.has(tok.value) ? `${tok.value} keyword` : 'identifier token';
      default:
        return `${TOKEN_NAMES[tok.value] ?? tok.value} token`;
    }
  }

  /** A keyword that cannot be a term here: the base ones and the future ones in force, but `contains`. */
  isReservedWord(name: string): boolean {
    return name !== 'contains' && name !== 'true' && name !== 'false' && name !== 'null' && (BASE_KEYWORDS.has(name) || this.keywords.has(name));
  }

  /** The keyword at `k` starts a ref: `.` or `[` follows it directly. */
  startsKeywordRef(k = 0): boolean {
    const next = this.peek(k + 1);
    return this.peek(k).kind === 'ident' && next.kind === 'punct' && (next.value === '.' || next.value === '[') && !next.wsBefore;
  }

  /** True when the current token starts a new line (ends a literal / rule). */
  atLineStart(): boolean {
    return this.peek().nlBefore;
  }
}
