/**
 * Token kinds of the Rego lexer. Keywords are lexed as identifiers; the parser decides,
 * because Rego v1 reserves them only in some positions (e.g. `input.in` is a valid ref).
 */
export interface Span {
  file: string;
  line: number; // 1-based
  col: number; // 1-based
  /** a bracketed term (call, collection, comprehension): the line of its closing bracket, where the formatter sees it end */
  endLine?: number;
  /** the term was written in parentheses, `f((a | b))` (the formatter keeps some of those) */
  parenthesized?: boolean;
}

export type TokenKind =
  | 'ident'
  | 'number'
  | 'string'
  | 'rawstring'
  | 'template'
  | 'punct'
  | 'eof';

/** One piece of a template string: literal text or the source of an embedded expression. */
export type TemplatePart = { kind: 'text'; value: string } | { kind: 'expr'; source: string; span: Span };

export interface Token {
  kind: TokenKind;
  /** identifier name, punctuation, number text, or decoded string value */
  value: string;
  span: Span;
  /** byte offset of the token start and end in the source */
  start: number;
  end: number;
  /** a newline occurs between the previous token and this one (Rego separates literals by newlines) */
  nlBefore: boolean;
  /** whitespace or a comment occurs between the previous token and this one */
  wsBefore: boolean;
  /** parts of a template string (`$"…{x}…"`) */
  parts?: TemplatePart[];
  /** comments directly preceding this token (kept for METADATA annotations) */
  comments?: { text: string; span: Span }[];
}

/** Multi-character punctuation first so the lexer matches the longest one. */
export const PUNCTUATION = [':=', '==', '!=', '<=', '>=', '{', '}', '[', ']', '(', ')', '.', ',', ';', ':', '=', '<', '>', '+', '-', '*', '/', '%', '&', '|'] as const;

export const KEYWORDS = new Set([
  'package', 'import', 'as', 'default', 'else', 'if', 'contains', 'in', 'some', 'every', 'not', 'with', 'true', 'false', 'null',
]);
