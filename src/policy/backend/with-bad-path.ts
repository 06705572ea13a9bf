/**
 * internal.with_bad_path — regate's own, not OPA's: what a `with` whose input or data target is
 * not a path of strings (`with input[x] as 1`, `with input.a[0] as 1`) compiles to. OPA's
 * compiler accepts such targets (validateWith checks only the root) and its evaluator fails when
 * the `with` is evaluated: mergeTermWithValues finds the ref is not a valid import path, and
 * evalWith raises eval_conflict_error "bad document path" (v1/topdown/eval.go, input.go). A call
 * is how both back ends raise an error at a place the planner chooses, with that statement's
 * location. Not in any registry (so never in a capabilities document, nor callable from a
 * policy): the back ends look it up here when a registry lacks the name (engineBuiltin).
 */
import { ConflictError } from '../errors.js';
import type { BuiltinDef } from '../builtins/registry.js';

export const WITH_BAD_PATH = 'internal.with_bad_path';

const ENGINE_BUILTINS: ReadonlyMap<string, BuiltinDef> = new Map([
  [
    WITH_BAD_PATH,
    {
      name: WITH_BAD_PATH,
      arity: 0,
      impl: () => {
        throw new ConflictError('bad document path');
      },
    },
  ],
]);

/**
 * A call the planner emits itself, that no registry holds.
 *
 * @example engineBuiltin('internal.with_bad_path')?.arity // 0
 */
export const engineBuiltin = (name: string): BuiltinDef | undefined => ENGINE_BUILTINS.get(name);

/** Every such call, for back ends that bind all builtins up front (the WASM host). */
export const engineBuiltins = (): Iterable<BuiltinDef> => ENGINE_BUILTINS.values();
