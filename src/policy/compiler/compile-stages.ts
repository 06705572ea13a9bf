/**
 * OPA's compiler runs its checks as a list of stages and stops after the first stage that
 * reports an error (ast/compile.go, `compile()`: `if c.Failed() { return }` after each stage).
 * regate finds several of those errors in one pass over a rule (name resolution, safety
 * ordering and planning run together), so a body such as `print(n); n := 7` yields both the
 * RewriteLocalVars error ("var n referenced above") and the RewritePrintCalls one ("var n is
 * undeclared"), where OPA reports only the first. `keepFirstStage` drops what a later stage
 * found.
 *
 * Only codes whose OPA stage is unambiguous are ranked; an unranked code is always kept and
 * never causes another to be dropped, so no error OPA reports can disappear here. REGO_ERR_TYPE
 * is OPA's TypeErr, which several stages raise (rule conflicts, `with` targets, the type
 * checker): only the errors of check-types.ts (`fromTypeCheck`) are ranked as CheckTypes' (its
 * type errors, and the arity mismatch of a `with` function replacement).
 *
 * @example
 *   keepFirstStage([redeclared, undeclaredPrintVar]); // [redeclared]
 */
import type { RegoError } from '../errors.js';
import type { RegoErrorCode } from '../error-codes.js';

/** The position of the OPA stage that reports each code, in the order of compile.go's stage list. */
const STAGE_OF: Partial<Record<RegoErrorCode, number>> = {
  REGO_ERR_VAR_REDECLARED: 1, // RewriteLocalVars
  REGO_ERR_ASSIGN_TARGET: 1, // RewriteLocalVars
  REGO_ERR_SHADOWED_CALL: 1, // RewriteLocalVars
  REGO_ERR_ARG_CALL: 1, // RewriteLocalVars
  REGO_ERR_TEMPLATE_EXPR: 1.5, // RewriteTemplateStrings
  REGO_ERR_VOID_CALL: 2, // CheckVoidCalls
  REGO_ERR_UNDECLARED_VAR: 3, // RewritePrintCalls
  REGO_ERR_ANNOTATION_REDECLARED: 3.5, // SetAnnotationSet
  REGO_ERR_WITH_TARGET: 4, // RewriteWithValues
  REGO_ERR_RULE_CONFLICT: 5, // CheckRuleConflicts
  REGO_ERR_UNDEFINED_FUNCTION: 6, // CheckUndefinedFuncs
  REGO_ERR_UNSAFE_VAR: 7, // CheckSafetyRuleHeads / CheckSafetyRuleBodies
  REGO_ERR_RECURSION: 8, // CheckRecursion
};
const CHECK_TYPES = 9;

export function keepFirstStage(errors: RegoError[], fromTypeCheck: ReadonlySet<RegoError>): RegoError[] {
  const stage = (e: RegoError): number | undefined => STAGE_OF[e.code as RegoErrorCode] ?? (fromTypeCheck.has(e) && (e.code === 'REGO_ERR_TYPE' || e.code === 'REGO_ERR_ARITY') ? CHECK_TYPES : undefined);
  let first = Infinity;
  for (const e of errors) first = Math.min(first, stage(e) ?? Infinity);
  if (first === Infinity) return errors;
  return errors.filter((e) => (stage(e) ?? first) <= first);
}
