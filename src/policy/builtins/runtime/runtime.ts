/**
 * opa.runtime and trace (OPA topdown/runtime.go, trace.go).
 *
 * - opa.runtime() returns the runtime document; regate exposes the process environment the
 *   evaluation was given (`ctx.env`) under `env`, as OPA does, and nothing secret.
 * - trace(note) always succeeds: OPA records the note only for an attached tracer, and
 *   regate's evaluators have none.
 *
 * - rego.parse_module(file, text) parses with regate's front end and returns OPA's JSON AST
 *   (rego-ast-json.ts), comments included; a parse error is a builtin error carrying rego_parse_error.
 *
 * rego.metadata.chain / rego.metadata.rule are not runtime builtins: OPA's compiler replaces
 * them with the annotation values before planning, so plans never call them.
 */
import { BuiltinError, BuiltinTypeError, RegoError } from '../../errors.js';
import { parseModule, tokenize } from '../../syntax/index.js';
import { typeName, type PlainObject, type Value } from '../../value/index.js';
import type { BuiltinDef } from '../registry.js';
import { commentsToOpaJson, moduleToOpaJson } from './rego-ast-json.js';

/**
 * The text of OPA's ast.Errors with one parse error: `1 error occurred: file:row: code: message`,
 * then the ParserErrorDetail lines (the source line without its leading tabs, and a caret).
 */
function astErrorsText(e: RegoError): string {
  const loc = e.location;
  let msg = `${e.opaCode ?? e.code}: ${e.message}`;
  if (loc !== undefined) {
    msg = `${loc.file === '' ? `${loc.line}:${loc.col}` : `${loc.file}:${loc.line}`}: ${msg}`;
    if (loc.text !== undefined) {
      const line = loc.text.replace(/^\t+/, '');
      msg += `\n\t${line}\n\t${' '.repeat(Math.max(0, loc.col - 1 - (loc.text.length - line.length)))}^`;
    }
  }
  return `1 error occurred: ${msg}`;
}

export const runtimeBuiltins: BuiltinDef[] = [
  {
    name: 'opa.runtime',
    arity: 0,
    impl: (_a, ctx): Value => {
      // OPA returns {} when the evaluation has no runtime information at all; an evaluator
      // without environment variables is regate's equivalent of that.
      const keys = Object.keys(ctx.env);
      if (keys.length === 0) return {};
      const env: PlainObject = {};
      for (const k of keys) env[k] = ctx.env[k] as string;
      return { env };
    },
  },
  {
    name: 'trace',
    arity: 1,
    impl: ([note]) => {
      if (typeof note !== 'string') throw new BuiltinTypeError('trace', `operand 1 must be string but got ${typeName(note as Value)}`);
      return true;
    },
  },
  {
    name: 'rego.parse_module',
    arity: 2,
    impl: ([file, text]) => {
      const name = 'rego.parse_module';
      if (typeof file !== 'string') throw new BuiltinTypeError(name, `operand 1 must be string but got ${typeName(file as Value)}`);
      if (typeof text !== 'string') throw new BuiltinTypeError(name, `operand 2 must be string but got ${typeName(text as Value)}`);
      try {
        const out = moduleToOpaJson(parseModule(text, file));
        // ast.ParseModule keeps every comment (Module.Comments); the parse above succeeded, so
        // the lexer cannot fail here.
        const comments = tokenize(text, file).flatMap((t) => t.comments ?? []);
        if (comments.length > 0) out.comments = commentsToOpaJson(comments);
        return out;
      } catch (e) {
        if (e instanceof RegoError) throw new BuiltinError(name, astErrorsText(e));
        throw e;
      }
    },
  },
];
