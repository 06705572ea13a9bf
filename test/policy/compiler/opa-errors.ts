/**
 * The errors of compiling modules as `opa check` prints them (`code: message`), for the tests that
 * hold regate's compile errors to OPA's text (type-error-details, type-audit).
 */
import { compileToPlan, CompileErrors } from '../../../src/policy/compiler/index.js';

/** Each text is one module (`m0.rego`, `m1.rego`, …); none: it compiles. */
export function opaErrors(...texts: string[]): string[] {
  try {
    compileToPlan(texts.map((text, i) => ({ file: `m${i}.rego`, text })), {});
  } catch (e) {
    if (e instanceof CompileErrors) return e.errors.map((x) => `${x.opaCode}: ${x.message}`);
    throw e;
  }
  return [];
}
