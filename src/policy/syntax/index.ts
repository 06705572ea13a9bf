/** Public surface of the Rego front end: lexer, parser, AST. */
export { parseModule, parseQuery, parseTerm, type ParseOptions, type RegoVersion } from './parse-module.js';
export { tokenize } from './lexer.js';
export { ParseErrors } from './parse-error.js';
export type { LanguageCapabilities } from './parser.js';
export type * from './ast.js';
export type { Token, TokenKind } from './tokens.js';
